# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Demo help centre: cards and payments."""

from __future__ import annotations

from knowledgebase.demo_content.blocks import (
    Article,
    Category,
    Text,
    callout,
    code,
    h,
    p,
    steps,
    table,
    ul,
)
from knowledgebase.models import Audience

CARDS = ("debit-card", "credit-card")

TRANSFER_CALL = (
    "curl -X POST https://example.com/api/v1/transfers \\\n"
    '  -H "Authorization: Bearer $TOKEN" \\\n'
    '  -d \'{"iban": "IT60X0542811101000000123456", "amount": "25.00"}\''
)

ARTICLES = (
    Article(
        products=CARDS,
        en=Text(
            title="Lost or stolen card",
            summary="Block your card straight away and order a replacement in the app.",
            tags=("card", "security"),
            body=[
                h("Block the card"),
                steps(
                    "Open the app and tap <b>Cards</b>.",
                    "Choose the card and tap <b>Block</b>.",
                    "Confirm with your PIN or fingerprint.",
                ),
                callout(
                    "warning", "If you see payments you did not make, report them as fraud too."
                ),
                h("Order a replacement"),
                p("A new card arrives within five working days. Your PIN stays the same."),
            ],
        ),
        it=Text(
            title="Carta smarrita o rubata",
            slug="carta-smarrita-o-rubata",
            summary="Blocca subito la carta e ordinane una nuova dall'app.",
            tags=("carta", "sicurezza", "furto"),
            body=[
                h("Blocca la carta"),
                steps(
                    "Apri l'app e tocca <b>Carte</b>.",
                    "Scegli la carta e tocca <b>Blocca</b>.",
                    "Conferma con il PIN o con l'impronta digitale.",
                ),
                callout(
                    "warning",
                    "Se vedi pagamenti che non hai fatto tu, segnalali anche come frode.",
                ),
                h("Richiedi la carta sostitutiva"),
                p("La nuova carta arriva entro cinque giorni lavorativi e il PIN resta lo stesso."),
            ],
        ),
    ),
    Article(
        products=CARDS,
        en=Text(
            title="Block your card",
            summary="Misplaced your card? Block it for a while and unblock it when it turns up.",
            tags=("card", "block", "security"),
            body=[
                p(
                    "A temporary block stops new payments and cash withdrawals at once. Direct "
                    "debits and subscriptions keep working, and nothing is cancelled."
                ),
                h("Block it"),
                steps(
                    "Open the app and tap <b>Cards</b>.",
                    "Choose the card and turn on <b>Temporary block</b>.",
                ),
                h("Unblock it"),
                p("Turn <b>Temporary block</b> off again: the card works within a minute."),
                table(
                    [
                        ["", "Temporary block", "Lost or stolen"],
                        ["Payments", "Stopped", "Stopped for good"],
                        ["Can be undone", "Yes, in the app", "No: a new card is sent"],
                        ["Card number", "Unchanged", "A new number"],
                    ],
                    caption="A temporary block or a lost card?",
                ),
                callout(
                    "warning",
                    "If you think the card was stolen, do not wait: report it as lost or stolen "
                    "so that nobody can use it.",
                ),
                callout(
                    "tip",
                    "No phone at hand? Call the 24-hour line on 800 123 456 and we block it for "
                    "you.",
                ),
            ],
        ),
        it=Text(
            title="Bloccare la carta",
            slug="bloccare-la-carta",
            summary="Non trovi più la carta? Bloccala per un po' e sbloccala quando salta fuori.",
            tags=("carta", "blocco", "sicurezza"),
            body=[
                p(
                    "Il blocco temporaneo ferma subito nuovi pagamenti e prelievi. Addebiti "
                    "diretti e abbonamenti continuano a funzionare e non si annulla nulla."
                ),
                h("Come bloccarla"),
                steps(
                    "Apri l'app e tocca <b>Carte</b>.",
                    "Scegli la carta e attiva <b>Blocco temporaneo</b>.",
                ),
                h("Come sbloccarla"),
                p(
                    "Disattiva <b>Blocco temporaneo</b>: entro un minuto la carta torna a "
                    "funzionare."
                ),
                table(
                    [
                        ["", "Blocco temporaneo", "Carta smarrita o rubata"],
                        ["Pagamenti", "Sospesi", "Bloccati per sempre"],
                        ["Si può annullare", "Sì, dall'app", "No: ti mandiamo una carta nuova"],
                        ["Numero della carta", "Lo stesso", "Nuovo"],
                    ],
                    caption="Blocco temporaneo o carta smarrita?",
                ),
                callout(
                    "warning",
                    "Se pensi che la carta ti sia stata rubata, non aspettare: segnalala come "
                    "smarrita o rubata, così nessuno può usarla.",
                ),
                callout(
                    "tip",
                    "Non hai il telefono a portata di mano? Chiama il numero verde 800 123 456, "
                    "attivo 24 ore su 24, e la blocchiamo noi.",
                ),
            ],
        ),
    ),
    Article(
        products=CARDS,
        audience=Audience.CUSTOMERS,
        en=Text(
            title="Reset your card PIN",
            summary="Choose a new PIN in the app; the old one stops working at once.",
            tags=("card", "pin"),
            body=[
                steps(
                    "Tap <b>Cards</b> › <b>Settings</b> › <b>Change PIN</b>.",
                    "Enter the new PIN twice.",
                    "Use it at a cash machine once to activate it.",
                ),
                callout(
                    "note",
                    "Some older card terminals still ask for the old PIN until you use a cash "
                    "machine.",
                ),
            ],
        ),
        it=Text(
            title="Cambiare il PIN della carta",
            slug="cambiare-pin-carta",
            summary="Scegli un nuovo PIN dall'app: quello vecchio smette subito di funzionare.",
            tags=("carta", "pin"),
            body=[
                steps(
                    "Tocca <b>Carte</b> › <b>Impostazioni</b> › <b>Cambia PIN</b>.",
                    "Inserisci due volte il nuovo PIN.",
                    "Fai un'operazione a un bancomat per attivarlo.",
                ),
                callout(
                    "note",
                    "Alcuni POS meno recenti chiedono ancora il vecchio PIN finché non usi la "
                    "carta a uno sportello automatico.",
                ),
            ],
        ),
    ),
    Article(
        products=CARDS,
        en=Text(
            title="A card payment was declined",
            summary="Why a payment can be refused and what to check before trying again.",
            tags=("card", "payments"),
            body=[
                table(
                    [
                        ["Reason", "What to do"],
                        ["Not enough funds", "Top up or use another card"],
                        ["Online payments off", "Turn them on in Cards › Settings"],
                        ["Card blocked", "Unblock it or order a new one"],
                        ["3-D Secure failed", "Approve the payment in the app within 5 minutes"],
                    ]
                ),
                p("If none applies, the shop's bank may have refused the payment: ask the shop."),
            ],
        ),
        it=Text(
            title="Pagamento con carta rifiutato",
            slug="pagamento-carta-rifiutato",
            summary="Perché un pagamento può essere rifiutato e cosa controllare prima di "
            "riprovare.",
            tags=("carta", "pagamenti"),
            body=[
                table(
                    [
                        ["Motivo", "Cosa fare"],
                        ["Saldo insufficiente", "Ricarica il conto o usa un'altra carta"],
                        ["Pagamenti online disattivati", "Attivali da Carte › Impostazioni"],
                        ["Carta bloccata", "Sbloccala o richiedine una nuova"],
                        [
                            "Verifica 3-D Secure non riuscita",
                            "Autorizza il pagamento nell'app entro 5 minuti",
                        ],
                    ]
                ),
                p(
                    "Se nessuno di questi casi ti riguarda, può darsi che il pagamento sia stato "
                    "rifiutato dalla banca del negozio: chiedi al venditore."
                ),
            ],
        ),
    ),
    Article(
        audience=Audience.CUSTOMERS,
        en=Text(
            title="Send a bank transfer with the API",
            summary="Create a transfer from your own software with a personal API token.",
            tags=("api", "payments"),
            body=[
                p(
                    "Create a personal token under <b>My account</b> › <b>API tokens</b>, then "
                    "call:"
                ),
                code(TRANSFER_CALL, "shell"),
                callout(
                    "warning", "Treat the token like a password: anyone who has it can act as you."
                ),
            ],
        ),
        it=Text(
            title="Fare un bonifico tramite API",
            slug="bonifico-tramite-api",
            summary="Disponi un bonifico dal tuo software con un token API personale.",
            tags=("api", "pagamenti", "bonifico"),
            body=[
                p(
                    "Crea un token personale da <b>Il mio account</b> › <b>Token API</b>, poi "
                    "fai questa chiamata:"
                ),
                code(TRANSFER_CALL, "shell"),
                callout(
                    "warning",
                    "Custodisci il token come una password: chiunque lo abbia può agire a nome "
                    "tuo.",
                ),
            ],
        ),
    ),
    Article(
        products=CARDS,
        audience=Audience.AGENTS,
        en=Text(
            title="Card fraud: agent escalation playbook",
            summary="Internal: what agents do when a customer reports card fraud.",
            tags=("card", "fraud", "internal"),
            body=[
                steps(
                    "Block every card of the customer.",
                    "Open a fraud case in the back office.",
                    "Call the fraud desk on extension 4400.",
                    "Tell the customer a new card arrives in two working days.",
                    title="Within five minutes of the call",
                ),
                callout("warning", "Never ask the customer for their full PIN or one-time codes."),
            ],
        ),
        it=Text(
            title="Frode su carta: procedura di escalation per gli operatori",
            slug="frode-carta-procedura-operatori",
            summary="Uso interno: cosa fa l'operatore quando un cliente segnala una frode "
            "sulla carta.",
            tags=("carta", "frode", "interno"),
            body=[
                steps(
                    "Blocca tutte le carte del cliente.",
                    "Apri una pratica di frode nel back office.",
                    "Chiama l'ufficio antifrode all'interno 4400.",
                    "Spiega al cliente che la nuova carta arriva in due giorni lavorativi.",
                    title="Entro cinque minuti dalla chiamata",
                ),
                callout(
                    "warning",
                    "Non chiedere mai al cliente il PIN completo né i codici monouso.",
                ),
            ],
        ),
    ),
    Article(
        products=("premium-card", "online-banking"),
        en=Text(
            title="Pay with your phone",
            summary="Add your card to Apple Pay or Google Pay and pay contactless with your phone.",
            tags=("contactless", "mobile payments", "card"),
            body=[
                h("Add your card"),
                steps(
                    "In our app, open <b>Cards</b> and choose the card.",
                    "Tap <b>Add to Apple Wallet</b> or <b>Add to Google Pay</b>.",
                    "Confirm with the code we send by text message.",
                ),
                h("Pay in a shop"),
                p(
                    "Unlock your phone and hold it near the terminal. For amounts over €50 the "
                    "terminal may ask you to confirm on the phone."
                ),
                h("Limits and safety"),
                ul(
                    "Your card's daily limits apply to phone payments too.",
                    "Your card number is never shared with the shop.",
                    "Blocking the card also blocks it on the phone.",
                ),
                callout(
                    "tip",
                    "Changing phone? Remove the card from the old one under <b>Cards</b> › "
                    "<b>Devices</b>.",
                ),
            ],
        ),
        it=Text(
            title="Pagare con lo smartphone",
            slug="pagare-con-smartphone",
            summary="Aggiungi la carta ad Apple Pay o Google Pay e paga contactless con il "
            "telefono.",
            tags=("contactless", "pagamenti da smartphone", "carta"),
            body=[
                h("Aggiungi la carta"),
                steps(
                    "Nella nostra app apri <b>Carte</b> e scegli la carta.",
                    "Tocca <b>Aggiungi a Wallet di Apple</b> o <b>Aggiungi a Google Pay</b>.",
                    "Conferma con il codice che ti mandiamo via SMS.",
                ),
                h("Paga in negozio"),
                p(
                    "Sblocca il telefono e avvicinalo al POS. Sopra i 50 € il terminale può "
                    "chiederti di confermare sul telefono."
                ),
                h("Limiti e sicurezza"),
                ul(
                    "Anche ai pagamenti da smartphone si applicano i limiti giornalieri della "
                    "carta.",
                    "Il numero della carta non viene mai comunicato al negozio.",
                    "Se blocchi la carta, la blocchi anche sul telefono.",
                ),
                callout(
                    "tip",
                    "Cambi telefono? Togli la carta da quello vecchio in <b>Carte</b> › "
                    "<b>Dispositivi</b>.",
                ),
            ],
        ),
    ),
)

CATEGORY = Category(
    slug="cards-and-payments",
    en=Text(title="Cards and payments", summary="Debit and credit cards, PINs, transfers."),
    it=Text(
        title="Carte e pagamenti",
        slug="carte-e-pagamenti",
        summary="Carte di debito e di credito, PIN, bonifici.",
    ),
    articles=ARTICLES,
)

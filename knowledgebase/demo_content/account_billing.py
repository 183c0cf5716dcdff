# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Demo help centre: account and billing."""

from __future__ import annotations

from knowledgebase.demo_content.blocks import (
    Article,
    Category,
    Text,
    callout,
    h,
    p,
    steps,
    table,
    ul,
)
from knowledgebase.models import Audience

ARTICLES = (
    Article(
        products=("mobile-plan", "home-fibre"),
        en=Text(
            title="Download a copy of your invoice",
            summary="Find every invoice of the last seven years and download it as PDF.",
            tags=("invoice", "billing"),
            body=[
                p("Invoices are issued on the first working day of each month."),
                steps(
                    "Sign in and open <b>My account</b>.",
                    "Choose <b>Billing</b>, then <b>Invoices</b>.",
                    "Select the month and press <b>Download PDF</b>.",
                ),
                callout(
                    "tip",
                    "Accountants can get invoices by email: turn on <i>Email me invoices</i>.",
                ),
            ],
        ),
        it=Text(
            title="Scaricare una copia della fattura",
            slug="scaricare-copia-fattura",
            summary="Trovi tutte le fatture degli ultimi sette anni e puoi scaricarle in PDF.",
            tags=("fattura", "fatturazione"),
            body=[
                p("Emettiamo le fatture il primo giorno lavorativo di ogni mese."),
                steps(
                    "Accedi e apri <b>Il mio account</b>.",
                    "Vai su <b>Fatturazione</b> e poi su <b>Fatture</b>.",
                    "Scegli il mese e premi <b>Scarica PDF</b>.",
                ),
                callout(
                    "tip",
                    "Se le fatture servono al tuo commercialista, attiva "
                    "<i>Inviami le fatture via email</i>: arriveranno ogni mese nella tua casella.",
                ),
            ],
        ),
    ),
    Article(
        products=("mobile-plan",),
        en=Text(
            title="Why is my bill higher than usual?",
            summary="The most common reasons a bill goes up, and how to check each one.",
            tags=("billing", "charges"),
            body=[
                p("Most higher bills have one of four causes. Check them in this order."),
                h("Usage outside your plan"),
                p(
                    "Calls to premium numbers, roaming outside the EU and extra data are charged "
                    "on top of your monthly fee."
                ),
                h("A first, partial month"),
                p(
                    "Your first bill covers the days since activation plus the next month in "
                    "advance."
                ),
                h("A price change or an ended promotion"),
                p(
                    "Introductory discounts end after the months shown in your contract. We "
                    "write to you 30 days before any price change."
                ),
                h("Where each charge appears"),
                table(
                    [
                        ["Charge", "Where to check"],
                        ["Roaming", "Usage › Abroad"],
                        ["Extra data", "Usage › Data"],
                        ["One-off fees", "Invoice › Other charges"],
                    ],
                    caption="Where each charge appears",
                ),
                callout("note", "If a charge looks wrong, you can dispute it within 60 days."),
            ],
        ),
        it=Text(
            title="Perché la bolletta è più alta del solito?",
            slug="bolletta-piu-alta-del-solito",
            summary="I motivi più frequenti per cui una bolletta aumenta e come verificarli.",
            tags=("fatturazione", "addebiti", "bolletta"),
            body=[
                p(
                    "Quasi sempre un importo più alto ha una di queste quattro cause: "
                    "controllale in quest'ordine."
                ),
                h("Consumi non inclusi nell'offerta"),
                p(
                    "Le chiamate verso numeri a pagamento, il roaming fuori dall'UE e i giga "
                    "extra si pagano a parte, oltre al canone mensile."
                ),
                h("Il primo mese, non completo"),
                p(
                    "La prima bolletta comprende i giorni dall'attivazione più il mese "
                    "successivo, che si paga in anticipo."
                ),
                h("Un cambio di prezzo o una promozione scaduta"),
                p(
                    "Gli sconti di benvenuto durano i mesi indicati nel contratto. Se il prezzo "
                    "cambia, ti avvisiamo per iscritto con 30 giorni di anticipo."
                ),
                h("Dove trovi ogni addebito"),
                table(
                    [
                        ["Addebito", "Dove controllarlo"],
                        ["Roaming", "Consumi › Estero"],
                        ["Giga extra", "Consumi › Dati"],
                        ["Costi una tantum", "Fattura › Altri addebiti"],
                    ],
                    caption="Dove compare ogni addebito",
                ),
                callout(
                    "note",
                    "Se un addebito non ti torna, puoi contestarlo entro 60 giorni.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Change your address or contact details",
            summary="Update your postal address, email or phone number in a minute.",
            tags=("account", "address"),
            body=[
                steps(
                    "Open <b>My account</b> › <b>Profile</b>.",
                    "Edit the field and press <b>Save</b>.",
                    "Confirm the change from the email we send you.",
                ),
                callout(
                    "warning",
                    "A new delivery address for a card applies to cards ordered after the change.",
                ),
            ],
        ),
        it=Text(
            title="Cambiare indirizzo o recapiti",
            slug="cambiare-indirizzo-recapiti",
            summary="Aggiorna in un minuto indirizzo di residenza, email o numero di telefono.",
            tags=("account", "indirizzo", "recapiti"),
            body=[
                steps(
                    "Apri <b>Il mio account</b> › <b>Profilo</b>.",
                    "Modifica il dato e premi <b>Salva</b>.",
                    "Conferma la modifica dal link che ti mandiamo via email.",
                ),
                callout(
                    "warning",
                    "Il nuovo indirizzo di consegna vale solo per le carte richieste dopo la "
                    "modifica: quelle già in viaggio arrivano al vecchio indirizzo.",
                ),
            ],
        ),
    ),
    Article(
        audience=Audience.CUSTOMERS,
        en=Text(
            title="Set up two-factor authentication",
            summary="Protect your account with an authenticator app and recovery codes.",
            tags=("security", "account"),
            body=[
                p("Two-factor authentication asks for a code from your phone when you sign in."),
                steps(
                    "Open <b>Two-factor authentication</b> from the account menu.",
                    "Scan the QR code with an authenticator app.",
                    "Enter the six-digit code, then save your recovery codes somewhere safe.",
                ),
                callout("tip", "Print the recovery codes: they let you in if you lose your phone."),
            ],
        ),
        it=Text(
            title="Attivare l'autenticazione a due fattori",
            slug="attivare-autenticazione-due-fattori",
            summary="Proteggi il tuo account con un'app di autenticazione e i codici di recupero.",
            tags=("sicurezza", "account"),
            body=[
                p(
                    "Con l'autenticazione a due fattori, quando accedi ti chiediamo anche un "
                    "codice generato dal tuo telefono."
                ),
                steps(
                    "Dal menu dell'account apri <b>Autenticazione a due fattori</b>.",
                    "Inquadra il codice QR con un'app di autenticazione.",
                    "Inserisci il codice di sei cifre e conserva i codici di recupero in un "
                    "posto sicuro.",
                ),
                callout(
                    "tip",
                    "Stampa i codici di recupero: se perdi il telefono, ti permettono comunque "
                    "di entrare.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Reset your password",
            summary="Forgot your password? Get a reset link by email and choose a new one.",
            tags=("password", "sign-in", "account"),
            body=[
                p(
                    "You can choose a new password at any time, even if you are locked out. "
                    "The link we send works once and for one hour."
                ),
                h("Ask for a reset link"),
                steps(
                    "On the sign-in page, choose <b>Forgot your password?</b>",
                    "Enter the email address of your account and press <b>Send link</b>.",
                    "Open the email <i>Reset your password</i> and follow the link.",
                    "Type the new password twice and press <b>Save</b>.",
                ),
                h("Choose a strong password"),
                ul(
                    "at least 12 characters; a short sentence is easier to remember;",
                    "not used for any other site;",
                    "not your name, birthday or the name of the service.",
                    intro="A good password is:",
                ),
                callout(
                    "tip",
                    "A password manager creates and remembers a different password for every site.",
                ),
                h("If the email does not arrive"),
                p(
                    "Wait a couple of minutes and look in your spam or promotions folder. "
                    "Check that you typed the address you signed up with: for your security we "
                    "do not say whether an address has an account."
                ),
                h("After the reset"),
                p(
                    "Every other device is signed out. If you use two-factor authentication, "
                    "you still need your code or a recovery code to sign in."
                ),
                callout(
                    "warning",
                    "We never ask for your password by phone or email. If someone does, do not "
                    "answer and tell us.",
                ),
            ],
        ),
        it=Text(
            title="Reimpostare la password",
            slug="reimpostare-la-password",
            summary="Hai dimenticato la password? Ricevi un link via email e scegline una nuova.",
            tags=("password", "accesso", "account"),
            body=[
                p(
                    "Puoi scegliere una nuova password quando vuoi, anche se non riesci più ad "
                    "accedere. Il link che ti mandiamo vale una sola volta e per un'ora."
                ),
                h("Chiedi il link per reimpostarla"),
                steps(
                    "Nella pagina di accesso scegli <b>Password dimenticata?</b>",
                    "Inserisci l'indirizzo email del tuo account e premi <b>Invia link</b>.",
                    "Apri l'email <i>Reimposta la password</i> e segui il link.",
                    "Scrivi due volte la nuova password e premi <b>Salva</b>.",
                ),
                h("Scegli una password sicura"),
                ul(
                    "ha almeno 12 caratteri (una breve frase si ricorda meglio);",
                    "non la usi per nessun altro sito;",
                    "non contiene il tuo nome, la data di nascita o il nome del servizio.",
                    intro="Una buona password:",
                ),
                callout(
                    "tip",
                    "Un gestore di password crea e ricorda al posto tuo una password diversa "
                    "per ogni sito.",
                ),
                h("Se l'email non arriva"),
                p(
                    "Aspetta un paio di minuti e controlla anche nella cartella spam o "
                    "promozioni. Verifica di aver scritto l'indirizzo con cui ti sei "
                    "registrato: per la tua sicurezza non diciamo se un indirizzo ha un account."
                ),
                h("Dopo la reimpostazione"),
                p(
                    "Tutti gli altri dispositivi vengono disconnessi. Se usi l'autenticazione a "
                    "due fattori, per entrare ti serve comunque il codice o un codice di "
                    "recupero."
                ),
                callout(
                    "warning",
                    "Non ti chiediamo mai la password per telefono o via email. Se qualcuno lo "
                    "fa, non rispondere e avvisaci.",
                ),
            ],
        ),
    ),
    Article(
        products=("mobile-plan", "fibre-broadband"),
        en=Text(
            title="Change your plan",
            summary="Move to a bigger or smaller plan: when the change starts and what you pay.",
            tags=("plan", "upgrade", "billing"),
            body=[
                p("You can change plan online once a month, without calling us."),
                steps(
                    "Open <b>My account</b> › <b>Subscriptions</b>.",
                    "Choose the service and press <b>Change plan</b>.",
                    "Compare the plans, pick one and confirm.",
                ),
                table(
                    [
                        ["Change", "Starts", "Your next bill"],
                        ["Upgrade", "Straight away", "The difference for the rest of the month"],
                        ["Downgrade", "On the first day of next month", "The new, lower fee"],
                    ],
                    caption="When a plan change takes effect",
                ),
                callout(
                    "note",
                    "Unused data from your current month does not carry over to the new plan.",
                ),
            ],
        ),
        it=Text(
            title="Cambiare offerta",
            slug="cambiare-offerta",
            summary="Passa a un'offerta più ricca o più leggera: quando parte e quanto paghi.",
            tags=("offerta", "piano tariffario", "fatturazione"),
            body=[
                p("Puoi cambiare offerta online una volta al mese, senza telefonarci."),
                steps(
                    "Apri <b>Il mio account</b> › <b>Abbonamenti</b>.",
                    "Scegli il servizio e premi <b>Cambia offerta</b>.",
                    "Confronta le offerte, scegli quella giusta e conferma.",
                ),
                table(
                    [
                        ["Cambio", "Quando parte", "Nella prossima bolletta"],
                        ["Offerta superiore", "Subito", "La differenza per i giorni rimasti"],
                        ["Offerta inferiore", "Dal primo giorno del mese dopo", "Il nuovo canone"],
                    ],
                    caption="Quando diventa attivo il cambio di offerta",
                ),
                callout(
                    "note",
                    "I giga che non hai usato nel mese in corso non passano alla nuova offerta.",
                ),
            ],
        ),
    ),
    Article(
        products=("mobile-plan", "fibre-broadband", "tv-streaming"),
        en=Text(
            title="Pay your bills by direct debit",
            summary="Set up automatic payments from your bank account and never miss a due date.",
            tags=("direct debit", "payments", "billing"),
            body=[
                p(
                    "With direct debit we collect each bill from your bank account on its due "
                    "date. You can cancel it whenever you like."
                ),
                steps(
                    "Open <b>My account</b> › <b>Billing</b> › <b>Payment method</b>.",
                    "Choose <b>Direct debit</b> and enter the IBAN and the account holder's name.",
                    "Accept the mandate: the first collection happens on the next bill.",
                ),
                callout(
                    "warning",
                    "If a collection fails, we try again after five days and add a reminder "
                    "fee of €2.",
                ),
                p("Until the mandate is active, pay the open bill by card under <b>Billing</b>."),
            ],
        ),
        it=Text(
            title="Pagare le bollette con addebito diretto (SEPA)",
            slug="addebito-diretto-sepa",
            summary="Attiva il pagamento automatico dal conto corrente e non salti più una "
            "scadenza.",
            tags=("domiciliazione", "pagamenti", "fatturazione"),
            body=[
                p(
                    "Con la domiciliazione bancaria addebitiamo ogni bolletta sul tuo conto alla "
                    "scadenza. Puoi revocarla in qualsiasi momento."
                ),
                steps(
                    "Apri <b>Il mio account</b> › <b>Fatturazione</b> › <b>Metodo di "
                    "pagamento</b>.",
                    "Scegli <b>Addebito diretto</b> e inserisci l'IBAN e il nome "
                    "dell'intestatario del conto.",
                    "Accetta il mandato: il primo addebito arriva con la prossima bolletta.",
                ),
                callout(
                    "warning",
                    "Se un addebito non va a buon fine, riproviamo dopo cinque giorni e "
                    "aggiungiamo 2 € di spese di sollecito.",
                ),
                p(
                    "Finché il mandato non è attivo, paga la bolletta aperta con la carta da "
                    "<b>Fatturazione</b>."
                ),
            ],
        ),
    ),
)

CATEGORY = Category(
    slug="account-and-billing",
    en=Text(title="Account and billing", summary="Your profile, invoices, payments and plans."),
    it=Text(
        title="Account e fatturazione",
        slug="account-e-fatturazione",
        summary="Il tuo profilo, le fatture, i pagamenti e le offerte.",
    ),
    articles=ARTICLES,
)

# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Demo help centre: privacy and personal data."""

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
        audience=Audience.CUSTOMERS,
        en=Text(
            title="Download a copy of your personal data",
            summary="Get everything we hold about you in one file: profile, orders, tickets "
            "and consents.",
            tags=("privacy", "gdpr", "personal data"),
            body=[
                p(
                    "Under the GDPR you can ask for a copy of your personal data at any time, "
                    "free of charge."
                ),
                steps(
                    "Open <b>My account</b> › <b>Privacy</b>.",
                    "Press <b>Request my data</b> and confirm with your password.",
                    "Within 48 hours we email you a link to a ZIP file (JSON and CSV).",
                ),
                callout(
                    "note",
                    "The link works for 7 days and only when you are signed in, so nobody else "
                    "can open it.",
                ),
            ],
        ),
        it=Text(
            title="Scaricare una copia dei tuoi dati personali",
            slug="scaricare-copia-dati-personali",
            summary="Ricevi in un unico file tutto ciò che conserviamo su di te: profilo, "
            "ordini, richieste e consensi.",
            tags=("privacy", "gdpr", "dati personali"),
            body=[
                p(
                    "In base al GDPR puoi chiedere una copia dei tuoi dati personali quando "
                    "vuoi, senza costi."
                ),
                steps(
                    "Apri <b>Il mio account</b> › <b>Privacy</b>.",
                    "Premi <b>Richiedi i miei dati</b> e conferma con la password.",
                    "Entro 48 ore ti mandiamo via email il link a un file ZIP (JSON e CSV).",
                ),
                callout(
                    "note",
                    "Il link vale 7 giorni e si apre solo dopo l'accesso al tuo account, così "
                    "nessun altro può usarlo.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Close your account and delete your data",
            summary="What happens when you close your account, and which data we must keep.",
            tags=("privacy", "delete account", "gdpr"),
            body=[
                h("Before you close it"),
                ul(
                    "cancel your subscriptions and pay any open bill;",
                    "download your invoices and, if you want, a copy of your data;",
                    "use up your loyalty points: they are lost with the account.",
                ),
                h("Close the account"),
                steps(
                    "Open <b>My account</b> › <b>Privacy</b> › <b>Close account</b>.",
                    "Tell us why (optional) and confirm with your password.",
                    "You have 14 days to change your mind by signing in again.",
                ),
                h("What we delete and what we keep"),
                table(
                    [
                        ["Data", "What happens"],
                        ["Profile, preferences, tickets", "Deleted after 14 days"],
                        ["Invoices and payments", "Kept 10 years, as tax law requires"],
                        ["Forum posts", 'Kept, signed "former member"'],
                    ]
                ),
                h("Changed your mind later?"),
                p("After 14 days the account cannot be restored: you can sign up again as new."),
            ],
        ),
        it=Text(
            title="Chiudere l'account e cancellare i tuoi dati",
            slug="chiudere-account-cancellare-dati",
            summary="Cosa succede quando chiudi l'account e quali dati siamo obbligati a "
            "conservare.",
            tags=("privacy", "chiusura account", "gdpr"),
            body=[
                h("Prima di chiuderlo"),
                ul(
                    "disdici gli abbonamenti e salda le bollette ancora aperte;",
                    "scarica le fatture e, se vuoi, una copia dei tuoi dati;",
                    "usa i punti fedeltà: con l'account vanno persi.",
                ),
                h("Chiudi l'account"),
                steps(
                    "Apri <b>Il mio account</b> › <b>Privacy</b> › <b>Chiudi account</b>.",
                    "Se vuoi, dicci il motivo, poi conferma con la password.",
                    "Hai 14 giorni per ripensarci: ti basta accedere di nuovo.",
                ),
                h("Cosa cancelliamo e cosa conserviamo"),
                table(
                    [
                        ["Dati", "Cosa succede"],
                        ["Profilo, preferenze, richieste", "Cancellati dopo 14 giorni"],
                        ["Fatture e pagamenti", "Conservati 10 anni, come impone la legge fiscale"],
                        ["Messaggi nel forum", 'Restano, firmati "ex membro"'],
                    ]
                ),
                h("E se cambi idea più avanti?"),
                p(
                    "Passati i 14 giorni l'account non si può più recuperare: puoi però "
                    "registrarti di nuovo."
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Manage marketing emails and cookie preferences",
            summary="Choose which messages you receive and which cookies the site may use.",
            tags=("privacy", "cookies", "marketing", "newsletter"),
            body=[
                h("Marketing messages"),
                steps(
                    "Open <b>My account</b> › <b>Notifications</b>.",
                    "Turn offers by email, text message or phone on or off.",
                ),
                p(
                    "Service messages (bills, outages, security alerts) are always sent: they "
                    "are not marketing."
                ),
                h("Cookies"),
                p(
                    "Only the cookies needed for signing in and your language are always on. "
                    "Change the others at any time from <b>Cookie settings</b> at the bottom of "
                    "every page."
                ),
                callout(
                    "tip",
                    "Every marketing email has an <i>Unsubscribe</i> link that works in one click.",
                ),
            ],
        ),
        it=Text(
            title="Gestire email promozionali e preferenze sui cookie",
            slug="gestire-email-promozionali-cookie",
            summary="Scegli quali comunicazioni ricevere e quali cookie può usare il sito.",
            tags=("privacy", "cookie", "marketing", "newsletter"),
            body=[
                h("Comunicazioni promozionali"),
                steps(
                    "Apri <b>Il mio account</b> › <b>Notifiche</b>.",
                    "Attiva o disattiva le offerte via email, SMS o telefono.",
                ),
                p(
                    "I messaggi di servizio (bollette, guasti, avvisi di sicurezza) ti arrivano "
                    "sempre: non sono pubblicità."
                ),
                h("Cookie"),
                p(
                    "Sono sempre attivi solo i cookie necessari per l'accesso e per la lingua. "
                    "Gli altri puoi cambiarli quando vuoi da <b>Impostazioni cookie</b>, in "
                    "fondo a ogni pagina."
                ),
                callout(
                    "tip",
                    "In ogni email promozionale trovi il link <i>Annulla l'iscrizione</i>: "
                    "basta un clic.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Recognise phishing and scam messages",
            summary="How to spot fake emails, texts and calls that pretend to come from us.",
            tags=("phishing", "scam", "security", "privacy"),
            body=[
                p(
                    "Fraudsters copy our logo and style to get your password, card details or "
                    "one-time codes. Here is how to tell."
                ),
                h("What we never do"),
                ul(
                    "ask for your password, full PIN or one-time codes;",
                    'ask you to install an app to "secure" your account;',
                    "send a link to unblock a card or an account by text message.",
                ),
                h("Warning signs"),
                table(
                    [
                        ["Sign", "Example"],
                        ["Urgency", '"Your account will be closed in 24 hours"'],
                        ["Odd sender", "support@examp1e-secure.com"],
                        ["A link to sign in", '"Confirm your details here"'],
                    ]
                ),
                h("If you receive one"),
                steps(
                    "Do not click links or open attachments.",
                    "Forward the email to phishing@example.com, then delete it.",
                    "If in doubt, open the app yourself or call the number on your card.",
                ),
                h("If you already answered"),
                p(
                    "Change your password, block your card in the app and call us straight "
                    "away: the sooner we know, the more we can stop."
                ),
                callout(
                    "warning",
                    "A call from our number can be faked too. Hang up and call us back.",
                ),
            ],
        ),
        it=Text(
            title="Riconoscere phishing e messaggi truffa",
            slug="riconoscere-phishing-truffe",
            summary="Come smascherare email, SMS e telefonate false che fingono di arrivare "
            "da noi.",
            tags=("phishing", "truffa", "sicurezza", "privacy"),
            body=[
                p(
                    "I truffatori copiano il nostro logo e il nostro stile per farsi dare "
                    "password, dati della carta o codici monouso. Ecco come riconoscerli."
                ),
                h("Cosa non facciamo mai"),
                ul(
                    "chiederti la password, il PIN completo o i codici monouso;",
                    "chiederti di installare un'app per \"mettere in sicurezza\" l'account;",
                    "mandarti via SMS un link per sbloccare una carta o l'account.",
                ),
                h("Campanelli d'allarme"),
                table(
                    [
                        ["Segnale", "Esempio"],
                        ["Fretta", '"Il tuo account verrà chiuso entro 24 ore"'],
                        ["Mittente strano", "assistenza@examp1e-sicurezza.com"],
                        ["Un link per accedere", '"Conferma qui i tuoi dati"'],
                    ]
                ),
                h("Se ne ricevi uno"),
                steps(
                    "Non cliccare sui link e non aprire gli allegati.",
                    "Inoltra l'email a phishing@example.com e poi cancellala.",
                    "Nel dubbio, apri tu l'app o chiama il numero scritto sulla carta.",
                ),
                h("Se hai già risposto"),
                p(
                    "Cambia la password, blocca la carta dall'app e chiamaci subito: prima ce "
                    "lo dici, più possibilità abbiamo di fermare i pagamenti."
                ),
                callout(
                    "warning",
                    "Anche una chiamata che sembra arrivare dal nostro numero può essere falsa. "
                    "Riattacca e richiamaci tu.",
                ),
            ],
        ),
    ),
    Article(
        audience=Audience.CUSTOMERS,
        en=Text(
            title="Who can see your data in an organisation account",
            summary="What your organisation's admin can see and change, and what stays private.",
            tags=("privacy", "organisation", "business"),
            body=[
                p(
                    "When your account belongs to an organisation, its admin manages the "
                    "services the organisation pays for."
                ),
                table(
                    [
                        ["Your organisation's admin", "Can see", "Can change"],
                        ["Name, email, phone", "Yes", "No"],
                        ["Subscriptions paid by the organisation", "Yes", "Yes"],
                        ["Tickets you share with the organisation", "Yes", "No"],
                        ["Your private tickets, password, two-factor codes", "No", "No"],
                    ]
                ),
                callout(
                    "note",
                    "Leaving the organisation? Its admin removes you, or you ask us: your "
                    "personal account and private tickets stay yours.",
                ),
            ],
        ),
        it=Text(
            title="Chi vede i tuoi dati in un account aziendale",
            slug="chi-vede-i-tuoi-dati-account-aziendale",
            summary="Cosa può vedere e modificare l'amministratore della tua organizzazione e "
            "cosa resta privato.",
            tags=("privacy", "organizzazione", "aziende"),
            body=[
                p(
                    "Se il tuo account fa parte di un'organizzazione, il suo amministratore "
                    "gestisce i servizi pagati dall'organizzazione."
                ),
                table(
                    [
                        ["L'amministratore dell'organizzazione", "Vede", "Può modificare"],
                        ["Nome, email, telefono", "Sì", "No"],
                        ["Abbonamenti pagati dall'organizzazione", "Sì", "Sì"],
                        ["Richieste che condividi con l'organizzazione", "Sì", "No"],
                        ["Richieste private, password, codici a due fattori", "No", "No"],
                    ]
                ),
                callout(
                    "note",
                    "Lasci l'organizzazione? Può rimuoverti il suo amministratore, oppure puoi "
                    "chiederlo a noi: il tuo account personale e le richieste private restano "
                    "tuoi.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="How long we keep your data",
            summary="Retention periods for each kind of personal data, and why we keep it.",
            tags=("privacy", "data retention", "gdpr"),
            body=[
                table(
                    [
                        ["Data", "Kept for", "Why"],
                        ["Invoices and payments", "10 years", "Tax law"],
                        ["Call and data traffic records", "6 years", "Telecoms law"],
                        ["Tickets and chats", "2 years after closing", "Service quality"],
                        ["Marketing consents", "Until you withdraw them", "Proof of consent"],
                    ],
                    caption="Retention periods",
                ),
                p(
                    "When a period ends we delete the data or make it anonymous, so that it can "
                    "only be used for statistics."
                ),
                callout(
                    "tip",
                    "Questions about your data? Write to our Data Protection Officer at "
                    "dpo@example.com.",
                ),
            ],
        ),
        it=Text(
            title="Per quanto tempo conserviamo i tuoi dati",
            slug="per-quanto-tempo-conserviamo-dati",
            summary="I tempi di conservazione per ogni tipo di dato personale e il motivo per "
            "cui li teniamo.",
            tags=("privacy", "conservazione dei dati", "gdpr"),
            body=[
                table(
                    [
                        ["Dati", "Li conserviamo per", "Perché"],
                        ["Fatture e pagamenti", "10 anni", "Obblighi fiscali"],
                        ["Traffico telefonico e dati", "6 anni", "Norme sulle telecomunicazioni"],
                        ["Richieste e chat", "2 anni dalla chiusura", "Qualità del servizio"],
                        ["Consensi al marketing", "Finché non li revochi", "Prova del consenso"],
                    ],
                    caption="Tempi di conservazione",
                ),
                p(
                    "Scaduto il termine, cancelliamo i dati o li rendiamo anonimi, così possono "
                    "servire solo a fini statistici."
                ),
                callout(
                    "tip",
                    "Domande sui tuoi dati? Scrivi al nostro Responsabile della protezione dei "
                    "dati (DPO) all'indirizzo dpo@example.com.",
                ),
            ],
        ),
    ),
)

CATEGORY = Category(
    slug="privacy",
    en=Text(
        title="Privacy",
        summary="Your personal data, consents, cookies and staying safe from scams.",
    ),
    it=Text(
        title="Privacy",
        slug="privacy",
        summary="I tuoi dati personali, i consensi, i cookie e come difenderti dalle truffe.",
    ),
    articles=ARTICLES,
)

# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Demo help centre: connectivity (mobile, home fibre, routers, roaming)."""

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
    video,
)

FIRMWARE_VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

ARTICLES = (
    Article(
        products=("home-fibre",),
        en=Text(
            title="Router keeps restarting",
            summary="What to check when the fibre router reboots by itself.",
            tags=("router", "fibre"),
            body=[
                h("Check power and cables"),
                p(
                    "Use the power supply that came with the router and make sure the fibre "
                    "cable is not bent."
                ),
                h("Update the firmware"),
                steps(
                    "Open http://192.168.1.1 and sign in with the password on the router's label.",
                    "Choose <b>System</b> › <b>Update</b>.",
                    "Wait until the lights are steady.",
                ),
                video(FIRMWARE_VIDEO, "Video: updating the router firmware"),
            ],
        ),
        it=Text(
            title="Il router si riavvia da solo",
            slug="router-si-riavvia-da-solo",
            summary="Cosa controllare quando il router della fibra si riavvia continuamente.",
            tags=("router", "fibra"),
            body=[
                h("Controlla alimentazione e cavi"),
                p(
                    "Usa l'alimentatore originale del router e verifica che il cavo della fibra "
                    "non sia piegato."
                ),
                h("Aggiorna il firmware"),
                steps(
                    "Apri http://192.168.1.1 e accedi con la password scritta sull'etichetta "
                    "del router.",
                    "Scegli <b>Sistema</b> › <b>Aggiornamento</b>.",
                    "Aspetta che le spie restino accese fisse.",
                ),
                video(FIRMWARE_VIDEO, "Video: come aggiornare il firmware del router"),
            ],
        ),
    ),
    Article(
        products=("mobile-plan",),
        en=Text(
            title="Mobile data not working abroad",
            summary="Turn on roaming and pick the right network when you travel.",
            tags=("roaming", "mobile data"),
            body=[
                steps(
                    "Turn on <b>Data roaming</b> in your phone's settings.",
                    "Restart the phone after landing.",
                    "If it still fails, choose a partner network manually.",
                ),
                callout("tip", "Within the EU, roaming is included in your plan at no extra cost."),
            ],
        ),
        it=Text(
            title="Internet non funziona all'estero",
            slug="internet-non-funziona-estero",
            summary="Attiva il roaming e scegli la rete giusta quando sei in viaggio.",
            tags=("roaming", "dati mobili", "estero"),
            body=[
                steps(
                    "Nelle impostazioni del telefono attiva <b>Roaming dati</b>.",
                    "Appena atterrato, riavvia il telefono.",
                    "Se ancora non va, scegli a mano una rete partner.",
                ),
                callout(
                    "tip",
                    "Nei paesi dell'UE il roaming è compreso nella tua offerta, senza costi "
                    "aggiuntivi.",
                ),
            ],
        ),
    ),
    Article(
        products=("home-fibre",),
        en=Text(
            title="Slow home internet: a quick check",
            summary="Measure your speed correctly and fix the usual Wi-Fi problems.",
            tags=("fibre", "wifi", "speed"),
            body=[
                p(
                    "Test with a cable first: Wi-Fi speeds depend on walls, distance and "
                    "neighbours."
                ),
                table(
                    [
                        ["Plan", "Expected speed by cable"],
                        ["Fibre 300", "250-300 Mbit/s"],
                        ["Fibre 1000", "850-940 Mbit/s"],
                    ]
                ),
                callout(
                    "note",
                    "Speeds below 70% of your plan for three days in a row count as a fault.",
                ),
            ],
        ),
        it=Text(
            title="Internet di casa lento: una verifica veloce",
            slug="internet-casa-lento",
            summary="Misura la velocità nel modo corretto e risolvi i problemi più comuni del "
            "Wi-Fi.",
            tags=("fibra", "wifi", "velocità"),
            body=[
                p(
                    "Fai il test prima con il cavo: la velocità del Wi-Fi dipende da muri, "
                    "distanza e reti dei vicini."
                ),
                table(
                    [
                        ["Offerta", "Velocità attesa via cavo"],
                        ["Fibra 300", "250-300 Mbit/s"],
                        ["Fibra 1000", "850-940 Mbit/s"],
                    ]
                ),
                callout(
                    "note",
                    "Se per tre giorni di fila la velocità resta sotto il 70% di quella "
                    "prevista, si tratta di un guasto: segnalacelo.",
                ),
            ],
        ),
    ),
    Article(
        products=("fibre-broadband",),
        en=Text(
            title="Set up your new fibre router",
            summary="Connect the router, get online and give your Wi-Fi its own name and password.",
            tags=("router", "fibre", "installation", "wifi"),
            body=[
                p(
                    "Your line is active from the date in the activation email. Setting up the "
                    "router takes about ten minutes."
                ),
                h("What is in the box"),
                ul(
                    "the router and its power supply;",
                    "a fibre cable (green plugs) and a network cable (yellow);",
                    "a card with the Wi-Fi name and password.",
                ),
                h("Connect it"),
                steps(
                    "Plug the fibre cable into the wall socket and into the <b>FIBRE</b> port.",
                    "Connect the power supply and press the power button.",
                    "Wait until the <b>Internet</b> light is steady green (up to 10 minutes).",
                ),
                h("Connect your devices"),
                p(
                    "Choose the network printed on the card and type its password, or press "
                    "the <b>WPS</b> button on the router and then on your device."
                ),
                h("Change the Wi-Fi name and password"),
                steps(
                    "Open http://192.168.1.1 and sign in with the admin password on the label.",
                    "Choose <b>Wi-Fi</b> › <b>Settings</b>, change the name and the password, "
                    "and save.",
                ),
                callout(
                    "warning",
                    "If the <b>Internet</b> light blinks red after 30 minutes, the line may not "
                    "be active yet: open a ticket and we will check it.",
                ),
            ],
        ),
        it=Text(
            title="Configurare il nuovo router della fibra",
            slug="configurare-router-fibra",
            summary="Collega il router, vai online e dai alla tua rete Wi-Fi un nome e una "
            "password tutti tuoi.",
            tags=("router", "fibra", "installazione", "wifi"),
            body=[
                p(
                    "La linea è attiva dalla data indicata nell'email di attivazione. Per "
                    "configurare il router bastano una decina di minuti."
                ),
                h("Cosa trovi nella confezione"),
                ul(
                    "il router con il suo alimentatore;",
                    "un cavo per la fibra (connettori verdi) e un cavo di rete (giallo);",
                    "un cartoncino con il nome e la password del Wi-Fi.",
                ),
                h("Collega il router"),
                steps(
                    "Inserisci il cavo della fibra nella presa a muro e nella porta <b>FIBRE</b>.",
                    "Collega l'alimentatore e premi il tasto di accensione.",
                    "Aspetta che la spia <b>Internet</b> diventi verde fissa (fino a 10 minuti).",
                ),
                h("Collega i tuoi dispositivi"),
                p(
                    "Scegli la rete indicata sul cartoncino e inserisci la password, oppure premi "
                    "il tasto <b>WPS</b> sul router e poi sul dispositivo."
                ),
                h("Cambia nome e password del Wi-Fi"),
                steps(
                    "Apri http://192.168.1.1 e accedi con la password di amministrazione "
                    "riportata sull'etichetta.",
                    "Vai su <b>Wi-Fi</b> › <b>Impostazioni</b>, cambia nome e password e salva.",
                ),
                callout(
                    "warning",
                    "Se dopo 30 minuti la spia <b>Internet</b> lampeggia rossa, la linea "
                    "potrebbe non essere ancora attiva: apri una richiesta e la verifichiamo noi.",
                ),
            ],
        ),
    ),
    Article(
        products=("mobile-plan",),
        en=Text(
            title="Activate an eSIM",
            summary="Use your mobile plan without a plastic SIM: scan a QR code and you are "
            "connected.",
            tags=("esim", "sim", "mobile"),
            body=[
                p("Most phones sold since 2019 support eSIM. Keep Wi-Fi on while you activate it."),
                steps(
                    "Open <b>My account</b> › <b>Subscriptions</b> and choose <b>Switch to "
                    "eSIM</b>.",
                    "On your phone, open <b>Settings</b> › <b>Mobile</b> › <b>Add eSIM</b>.",
                    "Scan the QR code shown on screen or sent by email.",
                    "Restart the phone: your number moves to the eSIM within 15 minutes.",
                ),
                callout(
                    "warning",
                    "The QR code works once. Before you reset or sell your phone, move the eSIM "
                    "to the new one from <b>My account</b>.",
                ),
            ],
        ),
        it=Text(
            title="Attivare una eSIM",
            slug="attivare-esim",
            summary="Usa la tua offerta mobile senza SIM di plastica: inquadri un codice QR e "
            "sei connesso.",
            tags=("esim", "sim", "mobile"),
            body=[
                p(
                    "Quasi tutti i telefoni venduti dal 2019 supportano la eSIM. Durante "
                    "l'attivazione tieni acceso il Wi-Fi."
                ),
                steps(
                    "Apri <b>Il mio account</b> › <b>Abbonamenti</b> e scegli <b>Passa alla "
                    "eSIM</b>.",
                    "Sul telefono apri <b>Impostazioni</b> › <b>Rete mobile</b> › <b>Aggiungi "
                    "eSIM</b>.",
                    "Inquadra il codice QR che compare sullo schermo o che ti abbiamo mandato "
                    "via email.",
                    "Riavvia il telefono: entro 15 minuti il tuo numero passa sulla eSIM.",
                ),
                callout(
                    "warning",
                    "Il codice QR si può usare una sola volta. Prima di ripristinare o vendere "
                    "il telefono, trasferisci la eSIM su quello nuovo da <b>Il mio account</b>.",
                ),
            ],
        ),
    ),
    Article(
        products=("mobile-plan",),
        en=Text(
            title="No mobile signal or calls dropping",
            summary="What to try when your phone shows no bars, says 'SOS only' or drops calls.",
            tags=("signal", "coverage", "calls", "mobile"),
            body=[
                h("First checks"),
                steps(
                    "Turn airplane mode on and off again.",
                    "Restart the phone.",
                    "Take the SIM out and put it back in (not needed with an eSIM).",
                ),
                h("Check the coverage map"),
                p(
                    "Open <b>Status</b> to see outages near you, or the coverage map to see "
                    "which networks reach your address."
                ),
                h("Calls at home"),
                p(
                    "Thick walls weaken the signal indoors. Turn on <b>Wi-Fi calling</b> in your "
                    "phone's settings: calls then go over your home internet."
                ),
                h("Still no signal"),
                p(
                    "Try your SIM in another phone. If it works there, the problem is the "
                    "phone; if not, open a ticket and we will send you a new SIM for free."
                ),
                callout("note", "Emergency calls to 112 work even without your network."),
            ],
        ),
        it=Text(
            title="Niente segnale o chiamate che cadono",
            slug="niente-segnale-chiamate-cadono",
            summary="Cosa provare quando il telefono non prende, mostra 'Solo SOS' o le "
            "chiamate cadono.",
            tags=("segnale", "copertura", "chiamate", "mobile"),
            body=[
                h("Le prime verifiche"),
                steps(
                    "Attiva e disattiva la modalità aereo.",
                    "Riavvia il telefono.",
                    "Togli la SIM e rimettila (con la eSIM non serve).",
                ),
                h("Controlla la copertura"),
                p(
                    "Apri <b>Stato dei servizi</b> per vedere se ci sono guasti in zona, oppure "
                    "la mappa di copertura per sapere quali reti arrivano al tuo indirizzo."
                ),
                h("Chiamate da casa"),
                p(
                    "I muri spessi indeboliscono il segnale al chiuso. Attiva le "
                    "<b>chiamate Wi-Fi</b> nelle impostazioni del telefono: così le chiamate "
                    "passano dalla connessione di casa."
                ),
                h("Se il segnale ancora non c'è"),
                p(
                    "Prova la SIM in un altro telefono. Se lì funziona, il problema è del "
                    "telefono; altrimenti apri una richiesta e ti mandiamo gratis una SIM nuova."
                ),
                callout(
                    "note",
                    "Le chiamate di emergenza al 112 funzionano anche senza la tua rete.",
                ),
            ],
        ),
    ),
    Article(
        products=("smart-home-hub",),
        en=Text(
            title="Connect the Smart Home Hub to Wi-Fi",
            summary="Pair the hub with your home network and add your first devices.",
            tags=("smart home", "wifi", "hub"),
            body=[
                steps(
                    "Plug in the hub and wait for the blue light to pulse.",
                    "In the app, tap <b>Add device</b> › <b>Smart Home Hub</b>.",
                    "Choose your Wi-Fi network (2.4 GHz) and type its password.",
                    "When the light turns steady blue, add lights, plugs and sensors.",
                ),
                table(
                    [
                        ["Light", "Meaning"],
                        ["Pulsing blue", "Ready to pair"],
                        ["Steady blue", "Connected"],
                        ["Orange", "No internet: check the router"],
                    ],
                    caption="What the hub's light means",
                ),
                callout(
                    "tip",
                    "The hub only sees 2.4 GHz networks. If your router shows one name for both "
                    "bands, pairing still works.",
                ),
            ],
        ),
        it=Text(
            title="Collegare lo Smart Home Hub al Wi-Fi",
            slug="collegare-smart-home-hub-wifi",
            summary="Associa l'hub alla rete di casa e aggiungi i primi dispositivi.",
            tags=("casa intelligente", "wifi", "hub"),
            body=[
                steps(
                    "Collega l'hub alla corrente e aspetta che la luce blu pulsi.",
                    "Nell'app tocca <b>Aggiungi dispositivo</b> › <b>Smart Home Hub</b>.",
                    "Scegli la tua rete Wi-Fi (2,4 GHz) e inserisci la password.",
                    "Quando la luce diventa blu fissa, aggiungi lampadine, prese e sensori.",
                ),
                table(
                    [
                        ["Luce", "Significato"],
                        ["Blu pulsante", "Pronto per l'associazione"],
                        ["Blu fissa", "Connesso"],
                        ["Arancione", "Manca internet: controlla il router"],
                    ],
                    caption="Cosa indica la luce dell'hub",
                ),
                callout(
                    "tip",
                    "L'hub vede solo le reti a 2,4 GHz. Se il router usa un unico nome per "
                    "entrambe le bande, l'associazione funziona lo stesso.",
                ),
            ],
        ),
    ),
)

CATEGORY = Category(
    slug="connectivity",
    en=Text(title="Connectivity", summary="Mobile data, home fibre, routers and roaming."),
    it=Text(
        title="Connessione",
        slug="connessione",
        summary="Dati mobili, fibra di casa, router e roaming.",
    ),
    articles=ARTICLES,
)

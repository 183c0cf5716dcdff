# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Demo help centre: orders and delivery (devices and accessories bought from the shop)."""

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

DEVICES = ("smart-home-hub",)

ARTICLES = (
    Article(
        products=DEVICES,
        en=Text(
            title="Track your order",
            summary="See where your parcel is, when it arrives and what each delivery status "
            "means.",
            tags=("order", "tracking", "delivery"),
            body=[
                p(
                    "As soon as your order leaves our warehouse we email you the courier's "
                    "tracking number."
                ),
                h("Find your order"),
                steps(
                    "Open <b>My account</b> › <b>Orders</b>.",
                    "Choose the order: its status and the tracking link are at the top.",
                ),
                h("What the statuses mean"),
                table(
                    [
                        ["Status", "What it means"],
                        ["Received", "We have your order and payment"],
                        ["Being prepared", "It is being packed; you can still change it"],
                        ["Shipped", "The courier has it; tracking starts within 24 hours"],
                        ["Out for delivery", "It arrives today"],
                        ["Delivered", "The courier left it with you or a neighbour"],
                    ]
                ),
                h("When tracking does not move"),
                p(
                    "Couriers update tracking when a parcel is scanned at a depot, so it can "
                    "stay the same for a day or two. Over a weekend that is normal."
                ),
                h("Marked as delivered but not received"),
                ul(
                    "check with neighbours and the building's concierge;",
                    "look for a note from the courier in your letterbox;",
                    "wait until the end of the day: some couriers mark parcels early.",
                    intro="Before you contact us:",
                ),
                callout(
                    "note",
                    "If the parcel has not turned up within 48 hours, open a ticket: we start "
                    "an investigation with the courier and send a replacement if it is lost.",
                ),
            ],
        ),
        it=Text(
            title="Seguire la spedizione dell'ordine",
            slug="seguire-spedizione-ordine",
            summary="Scopri dov'è il tuo pacco, quando arriva e cosa vuol dire ogni stato della "
            "consegna.",
            tags=("ordine", "tracciamento", "spedizione", "consegna"),
            body=[
                p(
                    "Appena l'ordine lascia il nostro magazzino, ti mandiamo via email il "
                    "numero di tracciamento del corriere."
                ),
                h("Trova il tuo ordine"),
                steps(
                    "Apri <b>Il mio account</b> › <b>Ordini</b>.",
                    "Scegli l'ordine: in alto trovi lo stato e il link per seguire il pacco.",
                ),
                h("Cosa vuol dire ogni stato"),
                table(
                    [
                        ["Stato", "Significato"],
                        ["Ricevuto", "Abbiamo ricevuto l'ordine e il pagamento"],
                        ["In preparazione", "Lo stiamo imballando: puoi ancora modificarlo"],
                        ["Spedito", "È al corriere; il tracciamento parte entro 24 ore"],
                        ["In consegna", "Arriva oggi"],
                        ["Consegnato", "Il corriere l'ha lasciato a te o a un vicino"],
                    ]
                ),
                h("Se il tracciamento è fermo"),
                p(
                    "I corrieri aggiornano il tracciamento quando il pacco passa da un deposito, "
                    "quindi può restare uguale per un giorno o due. Nel fine settimana è normale."
                ),
                h("Risulta consegnato ma non l'hai ricevuto"),
                ul(
                    "chiedi ai vicini e al portiere;",
                    "guarda se nella cassetta delle lettere c'è un avviso del corriere;",
                    "aspetta fino a sera: alcuni corrieri segnano la consegna in anticipo.",
                    intro="Prima di contattarci:",
                ),
                callout(
                    "note",
                    "Se entro 48 ore il pacco non salta fuori, apri una richiesta: avviamo una "
                    "verifica con il corriere e, se è andato perso, ti spediamo un sostituto.",
                ),
            ],
        ),
    ),
    Article(
        products=DEVICES,
        en=Text(
            title="Return a product",
            summary="Changed your mind? Send a product back within 30 days for a full refund.",
            tags=("return", "refund", "order"),
            body=[
                p(
                    "You can return anything bought from our shop within 30 days of delivery, "
                    "for any reason."
                ),
                steps(
                    "Open <b>My account</b> › <b>Orders</b>, choose the order and press "
                    "<b>Return</b>.",
                    "Select the items and a reason, then print the prepaid label.",
                    "Pack the items with all their accessories and stick the label on the box.",
                    "Drop the parcel at any post office or parcel locker.",
                ),
                table(
                    [
                        ["Paid by", "Refund arrives"],
                        ["Card", "5 working days after we receive the parcel"],
                        ["Bank transfer", "10 working days"],
                        ["Store credit", "Straight away"],
                    ],
                    caption="How long a refund takes",
                ),
                callout(
                    "warning",
                    "Reset devices to factory settings and remove your accounts before sending "
                    "them back.",
                ),
            ],
        ),
        it=Text(
            title="Restituire un prodotto",
            slug="restituire-un-prodotto",
            summary="Hai cambiato idea? Rispedisci il prodotto entro 30 giorni e ti rimborsiamo "
            "tutto.",
            tags=("reso", "rimborso", "ordine"),
            body=[
                p(
                    "Puoi restituire qualsiasi articolo acquistato nel nostro negozio entro 30 "
                    "giorni dalla consegna, senza dover dare spiegazioni."
                ),
                steps(
                    "Apri <b>Il mio account</b> › <b>Ordini</b>, scegli l'ordine e premi "
                    "<b>Reso</b>.",
                    "Seleziona gli articoli e il motivo, poi stampa l'etichetta prepagata.",
                    "Imballa gli articoli con tutti gli accessori e attacca l'etichetta sulla "
                    "scatola.",
                    "Consegna il pacco in un ufficio postale o in un locker.",
                ),
                table(
                    [
                        ["Hai pagato con", "Il rimborso arriva"],
                        ["Carta", "5 giorni lavorativi dopo che riceviamo il pacco"],
                        ["Bonifico", "10 giorni lavorativi"],
                        ["Buono del negozio", "Subito"],
                    ],
                    caption="Tempi del rimborso",
                ),
                callout(
                    "warning",
                    "Prima di rispedire un dispositivo, ripristina le impostazioni di fabbrica "
                    "ed esci dai tuoi account.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Change or cancel an order",
            summary="Edit the address or items of an order, or cancel it, before it ships.",
            tags=("order", "cancel", "address"),
            body=[
                p(
                    "While an order is <i>Received</i> or <i>Being prepared</i> you can change "
                    "it or cancel it yourself."
                ),
                steps(
                    "Open <b>My account</b> › <b>Orders</b> and choose the order.",
                    "Press <b>Change</b> to edit the address or the items, or <b>Cancel order</b>.",
                    "Confirm: we email you the updated order or the cancellation.",
                ),
                callout(
                    "note",
                    "Once an order is <i>Shipped</i> it can no longer be cancelled: refuse the "
                    "parcel or return it within 30 days instead.",
                ),
            ],
        ),
        it=Text(
            title="Modificare o annullare un ordine",
            slug="modificare-annullare-ordine",
            summary="Cambia indirizzo o articoli di un ordine, oppure annullalo, prima che parta.",
            tags=("ordine", "annullamento", "indirizzo"),
            body=[
                p(
                    "Finché l'ordine è <i>Ricevuto</i> o <i>In preparazione</i> puoi "
                    "modificarlo o annullarlo da solo."
                ),
                steps(
                    "Apri <b>Il mio account</b> › <b>Ordini</b> e scegli l'ordine.",
                    "Premi <b>Modifica</b> per cambiare indirizzo o articoli, oppure "
                    "<b>Annulla ordine</b>.",
                    "Conferma: ti mandiamo via email l'ordine aggiornato o la conferma di "
                    "annullamento.",
                ),
                callout(
                    "note",
                    "Quando l'ordine risulta <i>Spedito</i> non si può più annullare: puoi "
                    "rifiutare il pacco alla consegna oppure fare il reso entro 30 giorni.",
                ),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Missed delivery: the courier did not find you",
            summary="Rebook the delivery, choose a pick-up point or send the parcel to "
            "another address.",
            tags=("delivery", "courier", "order"),
            body=[
                p(
                    "The courier tries twice on consecutive working days and leaves a note with "
                    "a collection code."
                ),
                steps(
                    "Open the tracking link from your shipping email.",
                    "Choose <b>Rebook</b>, <b>Pick-up point</b> or <b>Another address</b>.",
                    "Pick a day: you get a two-hour window by text message that morning.",
                ),
                callout(
                    "warning",
                    "After the second attempt the parcel waits 7 days at the depot, then comes "
                    "back to us and the order is refunded.",
                ),
            ],
        ),
        it=Text(
            title="Consegna mancata: il corriere non ti ha trovato",
            slug="consegna-mancata-corriere",
            summary="Riprogramma la consegna, scegli un punto di ritiro o fatti spedire il "
            "pacco altrove.",
            tags=("consegna", "corriere", "ordine"),
            body=[
                p(
                    "Il corriere passa due volte, in due giorni lavorativi di seguito, e lascia "
                    "un avviso con un codice di ritiro."
                ),
                steps(
                    "Apri il link di tracciamento che trovi nell'email di spedizione.",
                    "Scegli <b>Nuova consegna</b>, <b>Punto di ritiro</b> o <b>Altro "
                    "indirizzo</b>.",
                    "Indica il giorno: la mattina stessa ricevi via SMS una fascia di due ore.",
                ),
                callout(
                    "warning",
                    "Dopo il secondo tentativo il pacco resta in giacenza al deposito per 7 "
                    "giorni, poi torna da noi e ti rimborsiamo l'ordine.",
                ),
            ],
        ),
    ),
    Article(
        products=DEVICES,
        en=Text(
            title="Parcel arrived damaged or incomplete",
            summary="What to do when a box is broken, an item is faulty or something is missing.",
            tags=("damaged", "delivery", "order", "replacement"),
            body=[
                h("At the door"),
                p(
                    'If the box is clearly damaged, accept it "with reservation" and tell the '
                    "courier, or refuse it: we send a new one."
                ),
                h("After opening it"),
                steps(
                    "Take photos of the box, the label and the damaged or missing items.",
                    "Open <b>My account</b> › <b>Orders</b> › <b>Report a problem</b> within 7 "
                    "days.",
                    "Attach the photos: we reply within two working days.",
                ),
                callout("tip", "Keep the packaging until the case is closed."),
            ],
        ),
        it=Text(
            title="Pacco danneggiato o incompleto",
            slug="pacco-danneggiato-incompleto",
            summary="Cosa fare se la scatola è rotta, un articolo non funziona o manca qualcosa.",
            tags=("danneggiato", "consegna", "ordine", "sostituzione"),
            body=[
                h("Al momento della consegna"),
                p(
                    'Se la scatola è visibilmente rovinata, accettala "con riserva" e dillo al '
                    "corriere, oppure rifiutala: te ne mandiamo una nuova."
                ),
                h("Dopo averlo aperto"),
                steps(
                    "Fotografa la scatola, l'etichetta e gli articoli danneggiati o mancanti.",
                    "Entro 7 giorni apri <b>Il mio account</b> › <b>Ordini</b> › <b>Segnala un "
                    "problema</b>.",
                    "Allega le foto: ti rispondiamo entro due giorni lavorativi.",
                ),
                callout("tip", "Conserva l'imballo finché la pratica non è chiusa."),
            ],
        ),
    ),
    Article(
        en=Text(
            title="Delivery times and costs",
            summary="How long delivery takes, what it costs and where we deliver.",
            tags=("delivery", "shipping", "costs"),
            body=[
                table(
                    [
                        ["Service", "Time", "Cost"],
                        ["Standard", "2-4 working days", "Free over €49, otherwise €4.90"],
                        ["Express", "Next working day if ordered by 1 pm", "€9.90"],
                        ["Pick-up point", "2-4 working days", "Free"],
                    ],
                    caption="Delivery options in Italy",
                ),
                p(
                    "Sardinia, Sicily, the smaller islands and Livigno can take one or two days "
                    "more. We do not deliver outside Italy."
                ),
                callout(
                    "note",
                    "Orders placed on Saturday, Sunday or a public holiday leave on the next "
                    "working day.",
                ),
            ],
        ),
        it=Text(
            title="Tempi e costi di spedizione",
            slug="tempi-costi-spedizione",
            summary="Quanto ci mette la consegna, quanto costa e dove spediamo.",
            tags=("consegna", "spedizione", "costi"),
            body=[
                table(
                    [
                        ["Servizio", "Tempi", "Costo"],
                        [
                            "Standard",
                            "2-4 giorni lavorativi",
                            "Gratis sopra 49 €, altrimenti 4,90 €",
                        ],
                        ["Express", "Il giorno lavorativo dopo, se ordini entro le 13", "9,90 €"],
                        ["Punto di ritiro", "2-4 giorni lavorativi", "Gratis"],
                    ],
                    caption="Opzioni di consegna in Italia",
                ),
                p(
                    "In Sardegna, in Sicilia, nelle isole minori e a Livigno la consegna può "
                    "richiedere uno o due giorni in più. Non spediamo fuori dall'Italia."
                ),
                callout(
                    "note",
                    "Gli ordini fatti di sabato, di domenica o nei giorni festivi partono il "
                    "primo giorno lavorativo successivo.",
                ),
            ],
        ),
    ),
    Article(
        audience=Audience.AGENTS,
        en=Text(
            title="Lost parcel: courier claim checklist",
            summary="Internal: how agents open a claim with the courier and when to send a "
            "replacement.",
            tags=("courier", "claim", "internal"),
            body=[
                steps(
                    "Check the tracking: 48 hours without a scan after <i>Shipped</i> counts "
                    "as lost.",
                    "Open the claim in the courier portal with the order number and the "
                    "parcel's weight.",
                    "Send the replacement the same day for orders under €300; above that, ask "
                    "the team lead.",
                    "Note the claim number in the ticket and set it to <i>Waiting on third "
                    "party</i>.",
                    title="Claim checklist",
                ),
                callout("warning", "Never promise a refund and a replacement for the same order."),
            ],
        ),
        it=Text(
            title="Pacco smarrito: checklist per il reclamo al corriere",
            slug="pacco-smarrito-reclamo-corriere",
            summary="Uso interno: come aprire un reclamo con il corriere e quando spedire un "
            "sostituto.",
            tags=("corriere", "reclamo", "interno"),
            body=[
                steps(
                    "Controlla il tracciamento: 48 ore senza scansioni dopo <i>Spedito</i> "
                    "valgono come smarrimento.",
                    "Apri il reclamo sul portale del corriere con numero d'ordine e peso del "
                    "pacco.",
                    "Spedisci il sostituto in giornata per gli ordini sotto i 300 €; sopra, "
                    "chiedi al responsabile del team.",
                    "Annota il numero del reclamo nel ticket e mettilo in <i>In attesa di "
                    "terzi</i>.",
                    title="Checklist del reclamo",
                ),
                callout(
                    "warning",
                    "Non promettere mai rimborso e sostituzione per lo stesso ordine.",
                ),
            ],
        ),
    ),
)

CATEGORY = Category(
    slug="orders-and-delivery",
    en=Text(
        title="Orders and delivery",
        summary="Tracking, delivery, returns and refunds for what you buy from our shop.",
    ),
    it=Text(
        title="Ordini e spedizioni",
        slug="ordini-e-spedizioni",
        summary="Tracciamento, consegne, resi e rimborsi per i tuoi acquisti nel negozio.",
    ),
    articles=ARTICLES,
)

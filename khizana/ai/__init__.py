"""AI for cataloguers and readers, offline: subject suggestions (Annif projects trained on the network's
own records), language detection of records, similar works. Nothing is downloaded at run time."""

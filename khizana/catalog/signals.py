from django.dispatch import Signal

# Sent inside the transaction that created, changed or deleted works; argument: work_ids (a set).
works_changed = Signal()

"""Importing contact files into a partner's vault, from the web, the CLI and the demo.

One module per step, in the order a file goes through them:

- ``reading``: size cap, encoding, delimiter, rows with their physical line numbers;
- ``columns``: which column holds which field, guessed from the header;
- ``terms``: the lawful basis, source and purpose staff state for the list;
- ``checking``: every row through the same rules as a manual add;
- ``parallel``: that checking in worker processes, for big files;
- ``merging``: what each row does (add, merge, skip as suppressed);
- ``writing`` and ``bulk``: one transaction per chunk, bulk statements;
- ``services``: the batch, its resumable run, strict mode, the audit entry;
- ``uploads``: web uploads kept on disk (owner-only) until their import completes;
- ``report``: the rejected-rows CSV; ``background`` and ``controllers``: the web side.
"""

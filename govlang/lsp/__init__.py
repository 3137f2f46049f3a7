"""Editor support: a Language Server Protocol server for ``.gov`` files (``govlang lsp``).

The server (:mod:`govlang.lsp.server`, on pygls) speaks LSP over standard input and output.
What it answers is computed by modules that know nothing of the protocol library:
:mod:`.analysis` (parse and check a text, as ``govlang check`` does), :mod:`.index` (where
every state, monitor, param, observable, rule and assertion is declared and used),
:mod:`.hover` and :mod:`.completion`; :mod:`.positions` converts offsets to LSP positions.
:mod:`.diagnostics`, :mod:`.navigation` and :mod:`.formatting` turn those answers into
protocol messages. ``pygls`` is imported only by ``govlang lsp``, never by other commands.
"""

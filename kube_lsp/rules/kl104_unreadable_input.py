"""The input cannot be analysed safely.

## What it does
Binary content, text that is not UTF-8, nesting deeper than 200 levels, aliases that expand to millions of
nodes ('billion laughs') or files over the size limit are reported once and skipped, never crash or hang the
checker. So are paths that cannot be read at all: a broken symbolic link or a link loop, a file or directory
without read permission, a named pipe or device found in a directory; the other files are still checked. In
the editor, a lone UTF-16 surrogate sent by the client (JSON allows "\\ud800", no file can hold it) is reported
where it is, read as U+FFFD, and the rest of the text is checked.

## Why is this bad?
A checker that crashes or hangs on one file blocks every other check; this finding says why the file was
skipped instead.

## Example
```yaml
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
```
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL104", name="unreadable-input", severity=Severity.ERROR, module=__name__,
    summary='The input cannot be analysed safely',
    emitted_by="the input reader and the parser's limits",
)

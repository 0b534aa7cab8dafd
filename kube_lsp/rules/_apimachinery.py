"""The API server's string and number checks, mirrored from k8s.io/apimachinery (not a rule).

Each function returns the list of messages the Go function of the same name returns (empty: valid), with
the API server's exact wording, so that findings read like `kubectl apply`'s errors:
`pkg/util/validation/validation.go`, `pkg/api/validate/content/{kube,dns,path}.go` and
`pkg/api/validation/generic.go` (the name functions). Lengths count bytes, as Go's `len` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT: Final = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
LABEL_KEY_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT: Final = "(" + LABEL_KEY_FMT + ")?"
CONFIG_MAP_KEY_FMT: Final = "[-._a-zA-Z0-9]+"
PERCENT_FMT: Final = "[0-9]+%"

_DNS1123_LABEL: Final = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN: Final = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL: Final = re.compile(DNS1035_LABEL_FMT)
LABEL_KEY_RE: Final = re.compile(LABEL_KEY_FMT)
_LABEL_VALUE: Final = re.compile(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY: Final = re.compile(CONFIG_MAP_KEY_FMT)
_PERCENT: Final = re.compile(PERCENT_FMT)
_PORT_NAME_CHARSET: Final = re.compile("[-a-z0-9]+")
_WILDCARD_SUBDOMAIN: Final = re.compile("\\*\\." + DNS1123_SUBDOMAIN_FMT)

DNS1123_LABEL_ERR: Final = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                            "and must start and end with an alphanumeric character")
DNS1123_SUBDOMAIN_ERR: Final = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                "'-' or '.', and must start and end with an alphanumeric character")
DNS1035_LABEL_ERR: Final = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                            "an alphabetic character, and end with an alphanumeric character")
LABEL_KEY_ERR: Final = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                        "alphanumeric character")
LABEL_VALUE_ERR: Final = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                          "'.', and must start and end with an alphanumeric character")
CONFIG_MAP_KEY_ERR: Final = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
WILDCARD_ERR: Final = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
                       "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
                       "character")


def blen(value: str) -> int:
    """Go's len(): bytes of the UTF-8 encoding."""
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def full(rx: re.Pattern[str], value: str) -> bool:
    # Go's `^...$` with regexp.MatchString: no trailing-newline leniency, unlike Python's `$`.
    return rx.fullmatch(value) is not None


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def max_len_bytes_error(n: int) -> str:
    return f"must be no more than {n} bytes"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    ex = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {ex}regex used for validation is '{fmt}')"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if blen(value) > 63:
        errs.append(max_len_error(63))
    if not full(_DNS1123_LABEL, value):
        if full(_DNS1123_SUBDOMAIN, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str, *, content: bool = False) -> list[str]:
    """util IsDNS1123Subdomain; `content`: the newer content.IsDNS1123Subdomain, which counts "bytes"."""
    errs = []
    if blen(value) > 253:
        errs.append(max_len_bytes_error(253) if content else max_len_error(253))
    if not full(_DNS1123_SUBDOMAIN, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if blen(value) > 63:
        errs.append(max_len_error(63))
    if not full(_DNS1035_LABEL, value):
        errs.append(regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if blen(value) > 253:
        errs.append(max_len_error(253))
    if not full(_WILDCARD_SUBDOMAIN, value):
        errs.append(regex_error(WILDCARD_ERR, "\\*\\." + DNS1123_SUBDOMAIN_FMT, "*.example.com"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """content.IsLabelKey (IsQualifiedName): an optional DNS subdomain prefix and '/', then a name."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix, content=True))
    else:
        return ["a valid label key " + regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif blen(name) > 63:
        errs.append("name part " + max_len_bytes_error(63))
    if not full(LABEL_KEY_RE, name):
        errs.append("name part " + regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_label_value(value: str) -> list[str]:
    """content.IsLabelValue (IsValidLabelValue)."""
    errs = []
    if blen(value) > 63:
        errs.append(max_len_bytes_error(63))
    if not full(_LABEL_VALUE, value):
        errs.append(regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def has_chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if blen(value) > 253:
        errs.append(max_len_error(253))
    if not full(_CONFIG_MAP_KEY, value):
        errs.append(regex_error(CONFIG_MAP_KEY_ERR, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    errs.extend(has_chdir_prefix(value))
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    """IsValidPortName: an IANA_SVC_NAME (RFC 6335), lower case only."""
    errs = []
    if blen(port) > 15:
        errs.append(max_len_error(15))
    if not full(_PORT_NAME_CHARSET, port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if re.search("[a-z]", port) is None:
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_percent(value: str) -> list[str]:
    if full(_PERCENT, value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT,
                        "1%", "93%")]


def is_path_segment_name(name: str) -> list[str]:
    """content.IsPathSegmentName (path.IsValidPathSegmentName)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return is_path_segment_prefix(name)


def is_path_segment_prefix(name: str) -> list[str]:
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# ---- the name functions of pkg/api/validation/generic.go (prefix: a generateName) ----------------------------

def _mask_trailing_dash(name: str) -> str:
    # Mirrors maskTrailingDash exactly: it drops two characters and appends "a".
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def path_segment_name(name: str, prefix: bool) -> list[str]:
    """path.ValidatePathSegmentName: what ValidateRBACName and others use."""
    return is_path_segment_prefix(name) if prefix else is_path_segment_name(name)


NameFunc = Callable[[str, bool], list[str]]


def go_quote(value: str) -> str:
    """A string as Go's %q prints it in `Invalid value: "..."` (printable text kept, quotes escaped)."""
    out = []
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def substituted(value: str) -> bool:
    """A value still holding a `${VAR}` or `$(VAR)` placeholder (envsubst, Flux post-build substitution,
    kustomize vars): only its substituted form is ever sent to the API server, so it is not judged."""
    return "${" in value or "$(" in value


def invalid(path: str, value: str | int, detail: str) -> str:
    """field.Invalid's text: `path: Invalid value: "value": detail`."""
    shown = go_quote(value) if isinstance(value, str) else str(value)
    return f"{path}: Invalid value: {shown}: {detail}"


_SLOPPY_V4: Final = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")


def parse_ip_sloppy(value: str) -> bool:
    """netutils.ParseIPSloppy succeeds: an IPv4 (leading zeros allowed) or IPv6 address."""
    import ipaddress

    if full(_SLOPPY_V4, value):
        return all(int(part) <= 255 for part in value.split("."))
    if ":" not in value:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True

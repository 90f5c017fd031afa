#!/usr/bin/env python3
"""helpdoc.py -- refresh the option lists of docs/<command>.md from the binary's --help.

Every subcommand prints its options from its table in src/cli (opts.h), so the help is
the one source of the flags' text. The "## Options" section of each page quotes that help:
a ```ispshield CMD ...``` usage block per (sub)command (under a "### ispshield CMD SUB"
heading when the page has several), and the options as "- `--flag ARG`: text" bullets.
This script runs `ispshield CMD [SUB] --help` for each usage block and replaces the bullet
list that follows it with the options the help prints now (the text around is left alone).

usage: scripts/helpdoc.py BUILD/ispshield docs/dns.md [docs/...]   (rewrites in place)
       scripts/helpdoc.py --check BUILD/ispshield docs/*.md           (exit 1 if stale)
"""
import re
import subprocess
import sys
import textwrap

OPT = re.compile(r"^ {2,6}(-[A-Za-z], )?--[a-z][\w-]*")


def help_options(binary, words):
    """The (left, text) pairs of the option lines `binary WORDS --help` prints."""
    out = subprocess.run([binary, *words, "--help"], capture_output=True, text=True).stdout
    opts, cur = [], None
    for line in out.splitlines():
        if OPT.match(line):
            m = re.match(r"^ +(\S.*?)(?: {2,}(\S.*))?$", line)
            cur = [m.group(1).strip(), m.group(2) or ""]
            opts.append(cur)
        elif cur is not None and line.startswith("      ") and line.strip():
            cur[1] = (cur[1] + " " + line.strip()).strip()
        else:
            cur = None
    return opts


def escape(text):
    """Markdown-escape text outside `code` spans the way the pages do."""
    parts = re.split(r"(`[^`]*`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([_\[\]*>])", r"\\\1", parts[i])
    return "".join(parts)


def bullets(opts):
    lines = []
    for left, text in opts:
        head = "- `%s`" % left + (": " + escape(text) if text else "")
        lines += textwrap.wrap(head, 90, subsequent_indent="  ", break_long_words=False,
                               break_on_hyphens=False)
    return lines


def command_of(usage_line, heading):
    if heading:
        return heading.split()[1:]
    words = []
    for tok in re.sub(r"\[[^\]]*\]", " ", usage_line).split()[1:]:
        if not re.fullmatch(r"[a-z][a-z-]*", tok):
            break
        words.append(tok)
    return words


def refresh(binary, path):
    lines = open(path).read().split("\n")
    out, i, heading, in_opts = [], 0, None, False
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            in_opts = line.strip() == "## Options"
            heading = None
        elif line.startswith("### ispshield "):
            heading = line[4:].strip()
        if in_opts and line == "```" and i + 1 < len(lines) and lines[i + 1].startswith("ispshield"):
            words = command_of(lines[i + 1], heading)
            opts = help_options(binary, words)
            # copy up to the first bullet block after the usage block, replace that block
            j = lines.index("```", i + 1) + 1  # past the usage block
            while j < len(lines) and not lines[j].startswith("- `-"):
                if lines[j].startswith("#") or lines[j] == "```":
                    break
                j += 1
            out += lines[i:j]
            if j < len(lines) and lines[j].startswith("- `-") and opts:
                k = j
                while k < len(lines) and (lines[k].startswith("- `") or lines[k].startswith("  ")):
                    k += 1
                out += bullets(opts)
                i = k
            else:
                i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def main(argv):
    check = argv[:1] == ["--check"]
    if check:
        argv = argv[1:]
    binary, paths = argv[0], argv[1:]
    stale = []
    for p in paths:
        old = open(p).read()
        new = refresh(binary, p)
        if new != old:
            stale.append(p)
            if not check:
                open(p, "w").write(new)
    if check and stale:
        print("options out of date (scripts/helpdoc.py): " + " ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""desk_html.py -- the structural rules every page of relais desk keeps, checked on saved pages.

usage: desk_html.py PAGE.html...   (exit 0 when every page keeps them; each breach on stderr)

The rules the test can hold without a browser (the browser tests with axe-core are a later step):
- <html lang="fr|en">, a skip link to #main and a <main id="main">;
- headings in order: one h1, and no level skipped (h2 under h1, h3 under h2...);
- every control that is shown (input but hidden ones, select, textarea) has a <label for> of its id,
  or is inside a <label>; radio buttons and checkboxes sit in a fieldset with a legend, or have a label;
- every <th> says its scope (col or row); a table has a caption;
- Content-Security-Policy-friendly: no inline <script> body, no <style> element, no style="" attribute,
  no on*="" handler, no javascript: URL;
- nothing from elsewhere: every src and href, and the form actions, stay on the desk (relative paths).
"""
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors = []
        self.lang = None
        self.skip = False
        self.main = False
        self.headings = []
        self.controls = []  # (tag, id, type, labelled_by_wrapper)
        self.label_for = set()
        self.label_depth = 0
        self.ths = []
        self.tables = 0
        self.captions = 0
        self.script_open = False
        self.script_text = ''

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            if k == 'style':
                self.errors.append(f'a style attribute on <{tag}>')
            if k.startswith('on'):
                self.errors.append(f'an event handler {k} on <{tag}>')
            if k in ('src', 'href', 'action') and v is not None:
                if v.strip().lower().startswith('javascript:'):
                    self.errors.append(f'a javascript: URL on <{tag}>')
                if '//' in v.split('?')[0]:
                    self.errors.append(f'<{tag} {k}="{v}"> leaves the desk')
        if tag == 'html':
            self.lang = a.get('lang')
        elif tag == 'a' and a.get('href') == '#main' and 'skip' in (a.get('class') or ''):
            self.skip = True
        elif tag == 'main' and a.get('id') == 'main':
            self.main = True
        elif tag in ('h1', 'h2', 'h3', 'h4', 'h5', 'h6'):
            self.headings.append(int(tag[1]))
        elif tag == 'label':
            self.label_depth += 1
            if a.get('for'):
                self.label_for.add(a['for'])
        elif tag in ('input', 'select', 'textarea'):
            kind = a.get('type', 'text') if tag == 'input' else tag
            if kind != 'hidden' and kind != 'submit':
                self.controls.append((tag, a.get('id'), kind, self.label_depth > 0))
        elif tag == 'th':
            self.ths.append(a.get('scope'))
        elif tag == 'table':
            self.tables += 1
        elif tag == 'caption':
            self.captions += 1
        elif tag == 'style':
            self.errors.append('a <style> element')
        elif tag == 'script':
            if not a.get('src'):
                self.errors.append('an inline <script>')
            self.script_open = True

    def handle_endtag(self, tag):
        if tag == 'label':
            self.label_depth -= 1
        elif tag == 'script':
            self.script_open = False
            if self.script_text.strip():
                self.errors.append('a <script> with a body')
            self.script_text = ''

    def handle_data(self, data):
        if self.script_open:
            self.script_text += data

    def check(self):
        e = self.errors
        if self.lang not in ('fr', 'en'):
            e.append(f'<html lang> is {self.lang!r}')
        if not self.skip:
            e.append('no skip link to #main')
        if not self.main:
            e.append('no <main id="main">')
        if self.headings.count(1) != 1:
            e.append(f'{self.headings.count(1)} h1 headings')
        last = 0
        for level in self.headings:
            if level > last + 1:
                e.append(f'h{level} after h{last}: a level skipped')
            last = level
        for tag, ident, kind, wrapped in self.controls:
            if not wrapped and (not ident or ident not in self.label_for):
                e.append(f'<{tag} type={kind} id={ident}> has no label')
        for scope in self.ths:
            if scope not in ('col', 'row'):
                e.append(f'a <th> with scope {scope!r}')
        if self.captions < self.tables:
            e.append('a table without a caption')
        return e


def main():
    bad = 0
    for path in sys.argv[1:]:
        page = Page()
        with open(path, encoding='utf-8') as f:
            page.feed(f.read())
        for error in page.check():
            print(f'{path}: {error}', file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

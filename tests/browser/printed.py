"""printed.py -- a desk page printed as a person prints it, then read back: Chromium's own print to
PDF (A4, the page's print style sheet, no browser header or footer), the PDF's text extracted by
poppler's pdftotext to find what the page must say, and its first page rendered by pdftoppm to
check that ink reached the paper. Imported by the desk's browser tests; not a test by itself.
"""
import base64
import os
import subprocess

from selenium.webdriver.common.print_page_options import PrintOptions

from browser import Failure, check

A4_CM = (21.0, 29.7)


def _tool(name):
    for folder in ("/usr/bin", "/usr/local/bin"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    raise Failure("%s is missing (Debian: poppler-utils; scripts/install-deps)" % name)


def to_pdf(driver, path):
    """The page the driver shows, printed on A4 into `path`; returns the PDF's bytes."""
    opts = PrintOptions()
    opts.page_width, opts.page_height = A4_CM
    opts.background = False
    opts.orientation = "portrait"
    data = driver.print_page(opts)
    pdf = base64.b64decode(data)
    check(pdf.startswith(b"%PDF-"), "the print of %s is no PDF" % driver.current_url)
    with open(path, "wb") as f:
        f.write(pdf)
    return pdf


def text(pdf_path):
    """The PDF's text, in reading order (pdftotext -layout keeps a table's row on one line)."""
    out = subprocess.run([_tool("pdftotext"), "-layout", "-enc", "UTF-8", pdf_path, "-"],
                         check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def pages(pdf_path):
    out = subprocess.run([_tool("pdfinfo"), pdf_path], check=True, capture_output=True).stdout.decode()
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise Failure("pdfinfo says nothing of the pages of %s" % pdf_path)


def first_page_inked(pdf_path, png_base):
    """Renders the first page (grey, 50 dpi) to png_base.png, to look at, and png_base.pgm, to
    count its pixels without an image library; returns the share of them that are not white."""
    for fmt in ("-png", None):
        args = [_tool("pdftoppm"), "-f", "1", "-l", "1", "-r", "50", "-gray", "-singlefile"]
        subprocess.run(args + ([fmt] if fmt else []) + [pdf_path, png_base], check=True, capture_output=True)
    with open(png_base + ".pgm", "rb") as f:
        pgm = f.read()
    # binary PGM: "P5", width, height, the largest value, one white space each, then the pixels
    head = pgm[:64].split(None, 4)
    check(len(head) == 5 and head[0] == b"P5", "pdftoppm wrote no grey image of %s" % pdf_path)
    width, height = int(head[1]), int(head[2])
    pixels = pgm[len(pgm) - width * height:]
    dark = sum(1 for v in pixels if v < 200)
    return dark / max(1, len(pixels))


def check_printed(driver, url, name, expected, folder, min_ink=0.002, max_pages=None):
    """Opens `url`, prints it to folder/NAME.pdf, and checks it: every text of `expected` in its
    text (spaces folded, as pdftotext may break a line), its first page not blank (folder/NAME.png
    kept to look at), and at most max_pages pages. Returns the PDF's text."""
    driver.get(url)
    os.makedirs(folder, exist_ok=True)
    pdf_path = os.path.join(folder, name + ".pdf")
    to_pdf(driver, pdf_path)
    got = text(pdf_path)
    folded = " ".join(got.split())
    for want in expected:
        check(" ".join(want.split()) in folded,
              "the printed %s does not say %r; its text:\n%s" % (name, want, got[:3000]))
    ink = first_page_inked(pdf_path, os.path.join(folder, name))
    check(ink >= min_ink, "the printed %s's first page is blank (%.4f of it inked)" % (name, ink))
    if max_pages is not None:
        n = pages(pdf_path)
        check(n <= max_pages, "the printed %s runs to %d pages (at most %d)" % (name, n, max_pages))
    return got

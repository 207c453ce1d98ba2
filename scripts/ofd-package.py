#!/usr/bin/env python3
"""A minimal unsigned OFD package for the benchmark and attack scripts (scripts/lib.sh).

Usage: ofd-package.py OUT DOCID [--rows N] [--random-mb N]
  one A4 page drawing nothing; --rows: a compressible attachment Doc_0/Attachs/data.xml of N
  rows of 55 bytes (deflated, so verification inflates it); --random-mb: Doc_0/Res/scan.bin,
  N MiB of random bytes (stored as a scan would be, ZIP64).
"""
import argparse
import os
import zipfile

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("docid")
p.add_argument("--rows", type=int, default=0)
p.add_argument("--random-mb", type=int, default=0)
a = p.parse_args()
ofd = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
    f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>{a.docid}</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)
doc = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID>'
    "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
    '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
)
page = '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
with zipfile.ZipFile(a.out, "w") as z:
    z.writestr("OFD.xml", ofd, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Document.xml", doc, zipfile.ZIP_DEFLATED)
    z.writestr("Doc_0/Pages/Page_0/Content.xml", page, zipfile.ZIP_DEFLATED)
    if a.rows:
        row = b"<row>" + os.urandom(24).hex().encode() + b"</row>\n"
        z.writestr("Doc_0/Attachs/data.xml", row * a.rows, zipfile.ZIP_DEFLATED)
    if a.random_mb:
        with z.open("Doc_0/Res/scan.bin", "w", force_zip64=True) as f:
            for _ in range(a.random_mb):
                f.write(os.urandom(1 << 20))

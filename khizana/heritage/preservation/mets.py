"""METS description of a preserved item's package (``metadata/mets.xml``): its files by group with their
SHA-256 checksums, the reading order of its pages (each page image with its text), and a reference to its
record as MARCXML. No Django here."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from lxml import etree

METS_NS = "http://www.loc.gov/METS/"
METS_SCHEMA = "http://www.loc.gov/standards/mets/mets.xsd"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
GROUPS = {"file": "ORIGINAL", "pages": "IMAGES", "text": "TEXT", "metadata": "METADATA"}
_PAGE = re.compile(r"^(?:pages|text)/(\d+)\.")


def _m(name: str) -> str:
    return f"{{{METS_NS}}}{name}"


def _file_id(logical: str) -> str:
    return "F-" + re.sub(r"[^A-Za-z0-9_.-]", "_", logical)


def mets_xml(folder: Path, object_id: str, label: str, kind: str) -> bytes:
    """The METS document of the package in ``folder`` (every file under it but mets.xml itself)."""
    files = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "mets.xml"
    )
    root = etree.Element(
        _m("mets"),
        nsmap={"mets": METS_NS, "xlink": XLINK, "xsi": XSI},
        attrib={
            "OBJID": object_id,
            "LABEL": label,
            "TYPE": kind,
            f"{{{XSI}}}schemaLocation": f"{METS_NS} {METS_SCHEMA}",
        },
    )
    header = etree.SubElement(root, _m("metsHdr"))
    agent = etree.SubElement(header, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, _m("name")).text = "Khizana"
    if "metadata/record.marcxml" in files:
        dmd = etree.SubElement(root, _m("dmdSec"), ID="DMD-record")
        etree.SubElement(
            dmd,
            _m("mdRef"),
            {"LOCTYPE": "URL", "MDTYPE": "MARC", f"{{{XLINK}}}href": "record.marcxml"},
        )
    file_sec = etree.SubElement(root, _m("fileSec"))
    groups: dict[str, etree._Element] = {}
    for logical in files:
        top = logical.split("/", 1)[0]
        use = GROUPS.get(top, "OTHER")
        if use not in groups:
            groups[use] = etree.SubElement(file_sec, _m("fileGrp"), USE=use)
        path = folder / logical
        with open(path, "rb") as handle:
            checksum = hashlib.file_digest(handle, "sha256").hexdigest()
        element = etree.SubElement(
            groups[use],
            _m("file"),
            ID=_file_id(logical),
            MIMETYPE=mimetypes.guess_type(logical)[0] or "application/octet-stream",
            SIZE=str(path.stat().st_size),
            CHECKSUM=checksum,
            CHECKSUMTYPE="SHA-256",
        )
        etree.SubElement(element, _m("FLocat"), {"LOCTYPE": "URL", f"{{{XLINK}}}href": f"../{logical}"})
    struct = etree.SubElement(root, _m("structMap"), TYPE="PHYSICAL")
    whole = etree.SubElement(struct, _m("div"), TYPE=kind, LABEL=label)
    if "metadata/record.marcxml" in files:
        whole.set("DMDID", "DMD-record")
    pages: dict[int, list[str]] = {}
    for logical in files:
        match = _PAGE.match(logical)
        if match:
            pages.setdefault(int(match.group(1)), []).append(logical)
        elif logical.startswith("file/"):
            etree.SubElement(whole, _m("fptr"), FILEID=_file_id(logical))
    for number in sorted(pages):
        page = etree.SubElement(whole, _m("div"), TYPE="page", ORDER=str(number))
        for logical in sorted(pages[number], key=lambda p: not p.startswith("pages/")):
            etree.SubElement(page, _m("fptr"), FILEID=_file_id(logical))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

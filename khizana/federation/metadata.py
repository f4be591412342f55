"""Reading a service provider's SAML metadata before it is registered (no Django import).

:func:`read_sp_metadata` checks what the identity provider needs (one EntityDescriptor with an entityID, an
SPSSODescriptor for SAML 2.0, an assertion consumer service at an http(s) address) and reads the entity
categories the metadata declares (mdattr:EntityAttributes, attribute http://macedir.org/entity-category).
Errors are :class:`MetadataError` with a message naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ENTITY_CATEGORY = "http://macedir.org/entity-category"
MAX_METADATA_BYTES = 1024 * 1024


class MetadataError(ValueError):
    """Metadata that cannot be registered; the message says why."""


@dataclass
class SPMetadata:
    entity_id: str
    name: str
    categories: list[str] = field(default_factory=list)
    assertion_consumer_services: list[tuple[str, str]] = field(default_factory=list)  # (binding, URL)


def _parse(data: bytes):
    if not data.strip():
        raise MetadataError("the metadata is empty")
    if len(data) > MAX_METADATA_BYTES:
        raise MetadataError(f"the metadata is larger than {MAX_METADATA_BYTES // 1024} KiB")
    try:
        return ElementTree.fromstring(data)
    except DefusedXmlException:
        raise MetadataError("the metadata uses XML entities or a DTD, which are refused") from None
    except ElementTree.ParseError as error:
        raise MetadataError(f"the metadata is not well-formed XML ({error})") from None


def read_sp_metadata(data: bytes | str) -> SPMetadata:
    """The service provider described by ``data`` (SAML 2.0 metadata), or :class:`MetadataError`."""
    if isinstance(data, str):
        data = data.encode()
    root = _parse(data)
    if root.tag == f"{{{MD}}}EntitiesDescriptor":
        entities = root.findall(f"{{{MD}}}EntityDescriptor")
        if len(entities) != 1:
            raise MetadataError(
                f"the metadata describes {len(entities)} entities; register one service provider at a time"
            )
        root = entities[0]
    if root.tag != f"{{{MD}}}EntityDescriptor":
        raise MetadataError("the metadata's root element is not a SAML 2.0 md:EntityDescriptor")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id:
        raise MetadataError("the md:EntityDescriptor has no entityID")
    if len(entity_id) > 1024:
        raise MetadataError("the entityID is longer than 1024 characters")
    sp = next(
        (
            element
            for element in root.findall(f"{{{MD}}}SPSSODescriptor")
            if SAML2_PROTOCOL in (element.get("protocolSupportEnumeration") or "").split()
        ),
        None,
    )
    if sp is None:
        raise MetadataError(
            f"{entity_id}: no md:SPSSODescriptor for SAML 2.0: this is not a service provider"
        )
    services = []
    for acs in sp.findall(f"{{{MD}}}AssertionConsumerService"):
        location, binding = (acs.get("Location") or "").strip(), (acs.get("Binding") or "").strip()
        parts = urlsplit(location)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MetadataError(
                f"{entity_id}: the assertion consumer service address {location!r} is not an http(s) URL"
            )
        services.append((binding, location))
    if not services:
        raise MetadataError(f"{entity_id}: the service provider has no md:AssertionConsumerService")
    categories: list[str] = []
    for attribute in root.iterfind(f"{{{MD}}}Extensions/{{{MDATTR}}}EntityAttributes/{{{SAML}}}Attribute"):
        if attribute.get("Name") == ENTITY_CATEGORY:
            for value in attribute.findall(f"{{{SAML}}}AttributeValue"):
                text = (value.text or "").strip()
                if text and text not in categories:
                    categories.append(text)
    name = ""
    for display in root.iterfind(f".//{{{MD}}}OrganizationDisplayName"):
        name = (display.text or "").strip()
        if name:
            break
    return SPMetadata(entity_id, name, categories, services)


@dataclass
class IdPMetadata:
    entity_id: str
    sso_services: list[tuple[str, str]] = field(default_factory=list)  # (binding, URL)


def read_idp_metadata(data: bytes | str) -> IdPMetadata:
    """The identity provider described by ``data`` (SAML 2.0 metadata), or :class:`MetadataError`."""
    if isinstance(data, str):
        data = data.encode()
    root = _parse(data)
    if root.tag != f"{{{MD}}}EntityDescriptor" or not (root.get("entityID") or "").strip():
        raise MetadataError(
            "the metadata's root element is not a SAML 2.0 md:EntityDescriptor with an entityID"
        )
    entity_id = root.get("entityID").strip()
    idp = next(
        (
            element
            for element in root.findall(f"{{{MD}}}IDPSSODescriptor")
            if SAML2_PROTOCOL in (element.get("protocolSupportEnumeration") or "").split()
        ),
        None,
    )
    if idp is None:
        raise MetadataError(
            f"{entity_id}: no md:IDPSSODescriptor for SAML 2.0: this is not an identity provider"
        )
    services = []
    for sso in idp.findall(f"{{{MD}}}SingleSignOnService"):
        location = (sso.get("Location") or "").strip()
        parts = urlsplit(location)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MetadataError(f"{entity_id}: the single sign-on address {location!r} is not an http(s) URL")
        services.append(((sso.get("Binding") or "").strip(), location))
    if not services:
        raise MetadataError(f"{entity_id}: the identity provider has no md:SingleSignOnService")
    return IdPMetadata(entity_id, services)

"""oci_discovery: the OCI Content Discovery workflow — tags/list with n/last/Link, and the referrers API.

The OCI conformance suite's checks (tags sorted, ``n``, ``n``+``last``; referrers of an unknown
digest, of a subject with five referrers some pushed before it, filtered by ``artifactType``,
of a subject never pushed; ``OCI-Subject``) and the gaps it leaves: ``n=0``, ``Link``
pagination followed to the end, the descriptors' ``artifactType``.  Where the spec allows a
choice (ASCII or case-insensitive order, filtering or not, one page or several) every allowed
answer passes and the report records which one the target gave.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from urllib.parse import urljoin

import pytest
import requests

from fixtures.clients.expect import SUCCESS
from fixtures.clients.registry import RegistryClient
from fixtures.content import oci_content
from fixtures.content.images import OCI_INDEX
from fixtures.content.oci_discovery_content import ANNOTATION, TYPE_A, ReferrersSet, referrers_set

pytestmark = pytest.mark.capability("oci_discovery")

# The OCI suite's tags, pushed in neither ASCII nor case-insensitive order.
TAGS = ["test2", "TEST1", "test0", "TEST3", "test3", "TEST0", "test1", "TEST2"]
PAGE = 3  # tags per page when walking the list: 8 tags make pages of 3, 3 and 2
# The referrers set and each referrer's PUT answer, by label.
Referred = tuple[ReferrersSet, dict[str, requests.Response]]
Chose = Callable[[str], None]


def next_url(answer: requests.Response) -> str | None:
    """Where the answer's ``Link: <...>; rel="next"`` points, resolved against its URL; None without one."""
    link = answer.links.get("next")
    return urljoin(answer.url, link["url"]) if link else None


def listed_tags(answer: requests.Response) -> list[str]:
    """The tags of a tags/list answer (expected 200), asserting it is one."""
    tags = answer.json().get("tags")
    assert isinstance(tags, list), f"tags is not a list: {answer.text[:200]}"
    return tags


@pytest.fixture
def tagged(registry: RegistryClient, image_name: str) -> list[str]:
    """One OCI image under the eight TAGS, pushed in TAGS order; the full tag listing (unpaginated)."""
    content = oci_content.image(image_name)
    registry.push(content, image_name, TAGS[0]).raise_for_status()
    for tag in TAGS[1:]:
        registry.put_manifest(image_name, tag, content.manifest).raise_for_status()
    return listed_tags(registry.tags(image_name, expect=200))


def test_tags_are_listed_in_lexical_order(tagged: list[str], chose: Chose) -> None:
    """tags/list names every tag once, in ASCII order or case-insensitive lexical order."""
    assert sorted(tagged) == sorted(TAGS), f"listed {tagged}, pushed {TAGS}"
    if tagged == sorted(TAGS):
        chose("tags/list: ASCII order")
        return
    assert all(a.lower() <= b.lower() for a, b in itertools.pairwise(tagged)), (
        f"neither ASCII nor case-insensitive order: {tagged}"
    )
    chose("tags/list: case-insensitive order")


def test_tags_n_returns_exactly_n_tags(registry: RegistryClient, image_name: str, tagged: list[str]) -> None:
    """?n=4 of eight tags answers the first four in order (fewer only with a Link to the rest)."""
    half = len(tagged) // 2
    answer = registry.tags(image_name, n=half, expect=200)
    page = listed_tags(answer)
    if next_url(answer) is None:
        assert page == tagged[:half], f"n={half} gave {page}; the list starts {tagged[:half]}"
    else:
        assert 0 < len(page) <= half and page == tagged[: len(page)], f"n={half} gave {page} and a Link"


def test_tags_last_is_exclusive_and_continues_after_it(
    registry: RegistryClient, image_name: str, tagged: list[str]
) -> None:
    """?n=2&last=<second tag> answers at most two tags, those right after it in order, never itself."""
    last = tagged[1]
    answer = registry.tags(image_name, n=2, last=last, expect=200)
    page = listed_tags(answer)
    assert last not in page, f"last={last} is exclusive, got {page}"
    assert len(page) <= 2 and page == tagged[2 : 2 + len(page)], f"after {last} the list has {tagged[2:4]}: {page}"
    assert len(page) == 2 or next_url(answer) is not None, f"n=2 gave {page} and no Link"


def test_tags_n_zero_returns_an_empty_list(registry: RegistryClient, image_name: str, tagged: list[str]) -> None:
    """?n=0 answers 200 with an empty tag list and no Link header."""
    answer = registry.tags(image_name, n=0, expect=200)
    assert listed_tags(answer) == [], f"n=0 gave {answer.text[:200]}"
    assert "Link" not in answer.headers, answer.headers["Link"]


def test_tags_link_pages_list_every_tag_once_in_order(
    registry: RegistryClient, image_name: str, tagged: list[str], chose: Chose
) -> None:
    """Walking tags/list?n=3 page by page (Link rel=next, else last=) yields every tag once, in order."""
    walked, answer, links = [], registry.tags(image_name, n=PAGE, expect=200), 0
    for _ in range(len(tagged) + 1):  # a list that never ends overshoots this and fails below
        page = listed_tags(answer)
        assert len(page) <= PAGE, f"a page of {len(page)} tags for n={PAGE}: {page}"
        walked += page
        if (url := next_url(answer)) is not None:
            links += 1
            answer = registry.request("GET", url, expect=200)
        elif len(page) == PAGE:  # no Link: a full page may have more behind it (the spec's client rule)
            answer = registry.tags(image_name, n=PAGE, last=page[-1], expect=200)
        else:
            break
    assert walked == tagged, f"pages gave {walked}, the list is {tagged}"
    chose(f"tags/list pagination: {'Link rel=next' if links else 'no Link, continued with last='}")


@pytest.fixture
def referred(registry: RegistryClient, image_name: str) -> Referred:
    """The OCI suite's referrers set under ``image_name``: A-config, A-layer and the index before the
    subject exists, then the subject (tag tagtest0), B-config, B-layer, and C-layer whose subject is
    never pushed; with the PUT answer of each referrer, by label."""
    content = referrers_set(image_name)
    answers = {r.label: registry.push(r.content, image_name) for r in content.early}
    registry.push(content.subject, image_name, "tagtest0").raise_for_status()
    answers |= {r.label: registry.push(r.content, image_name) for r in (*content.late, content.orphan)}
    return content, answers


def accepted(referred: Referred) -> ReferrersSet:
    """The pushed set, once every referrer PUT is seen to succeed (a missing subject must not stop one)."""
    content, answers = referred
    refused = {label: oci_content.shown(a) for label, a in answers.items() if a.status_code not in SUCCESS}
    assert not refused, f"referrer pushes refused: {refused}"
    return content


def referrers_of(registry: RegistryClient, name: str, digest: str, **query: str) -> list[requests.Response]:
    """Every page of the referrers list (Link rel=next followed), each asserted to be an image index."""
    pages = [registry.referrers(name, digest, expect=200, **query)]
    while True:
        answer = pages[-1]
        assert answer.headers.get("Content-Type") == OCI_INDEX, oci_content.shown(answer)
        doc = answer.json()
        assert doc.get("schemaVersion") == 2 and isinstance(doc.get("manifests"), list), answer.text[:300]
        if (url := next_url(answer)) is None or len(pages) > 10:
            return pages
        pages.append(registry.request("GET", url, headers={"Accept": OCI_INDEX}, expect=200))


def labels(content: ReferrersSet, digests: Iterable[str]) -> list[str]:
    """The referrers' labels for digests (a digest of none of them as itself), for messages."""
    known = {r.digest: r.label for r in (*content.referrers, content.orphan)}
    return sorted(known.get(d, d) for d in digests)


def descriptors(pages: list[requests.Response]) -> dict[str, dict[str, object]]:
    """The descriptors of all pages by digest, asserting none is listed twice."""
    listed = [d for page in pages for d in page.json()["manifests"]]
    by_digest = {str(d.get("digest")): d for d in listed}
    assert len(by_digest) == len(listed), f"a referrer listed twice: {[d.get('digest') for d in listed]}"
    return by_digest


@pytest.mark.referrers
def test_referrers_of_an_unknown_digest_is_an_empty_index(registry: RegistryClient, image_name: str) -> None:
    """referrers/<a digest nobody pushed> in an existing repository: 200, an image index, no manifests."""
    registry.push(oci_content.image(image_name), image_name, "tagtest0").raise_for_status()
    pages = referrers_of(registry, image_name, oci_content.ABSENT_DIGEST)
    assert descriptors(pages) == {}, pages[0].text[:300]


@pytest.mark.referrers
def test_referrers_list_every_artifact_naming_the_subject(
    registry: RegistryClient, image_name: str, referred: Referred, chose: Chose
) -> None:
    """The subject's referrers list has its five referrers (those pushed before it too), annotations copied up."""
    content = accepted(referred)
    pages = referrers_of(registry, image_name, content.subject.digest)
    listed = descriptors(pages)
    want = {r.digest for r in content.referrers}
    assert set(listed) == want, f"listed {labels(content, listed)}, want {labels(content, want)}"
    for referrer in content.referrers:
        entry, owed = listed[referrer.digest], referrer.descriptor()
        assert (entry.get("mediaType"), entry.get("size")) == (owed["mediaType"], owed["size"]), entry
        annotations = entry.get("annotations") or {}
        assert isinstance(annotations, dict) and annotations.get(ANNOTATION) == referrer.label, entry
    chose(f"referrers: {len(pages)} pages via Link" if len(pages) > 1 else "referrers: one page, no Link")


@pytest.mark.referrers
def test_referrers_descriptors_carry_the_artifact_type(
    registry: RegistryClient, image_name: str, referred: Referred
) -> None:
    """Each referrer's descriptor has its artifactType: the manifest's own, else its config's media type."""
    content = accepted(referred)
    listed = descriptors(referrers_of(registry, image_name, content.subject.digest))
    wrong = {
        r.label: listed.get(r.digest, {}).get("artifactType")
        for r in content.referrers
        if listed.get(r.digest, {}).get("artifactType") != r.artifact_type
    }
    assert not wrong, f"artifactType wrong (referrer: as listed): {wrong}"


@pytest.mark.referrers
def test_referrers_filter_by_artifact_type(
    registry: RegistryClient, image_name: str, referred: Referred, chose: Chose
) -> None:
    """?artifactType= with OCI-Filters-Applied lists only that type's referrers; without it, all of them."""
    content = accepted(referred)
    pages = referrers_of(registry, image_name, content.subject.digest, artifactType=TYPE_A)
    applied = [f.strip() for f in pages[0].headers.get("OCI-Filters-Applied", "").split(",") if f.strip()]
    wanted = [r for r in content.referrers if r.artifact_type == TYPE_A] if applied else list(content.referrers)
    if applied:
        assert applied == ["artifactType"], f"OCI-Filters-Applied: {applied}"
    listed = descriptors(pages)
    assert set(listed) == {r.digest for r in wanted}, (
        f"listed {labels(content, listed)}, want {[r.label for r in wanted]}"
    )
    chose("referrers filter: applied" if applied else "referrers filter: not applied, all listed")


@pytest.mark.referrers
def test_referrers_of_a_missing_subject_list_its_one_referrer(
    registry: RegistryClient, image_name: str, referred: Referred
) -> None:
    """A manifest whose subject was never pushed is accepted and is the one referrer of that subject."""
    content = accepted(referred)
    listed = descriptors(referrers_of(registry, image_name, content.missing_subject.digest))
    assert list(listed) == [content.orphan.digest], f"listed {labels(content, listed)}, want only C-layer"


@pytest.mark.referrers
def test_subject_push_answers_oci_subject(referred: Referred) -> None:
    """Each PUT of a manifest with a subject answers OCI-Subject: the subject's digest."""
    content, answers = accepted(referred), referred[1]
    subject_of = {r.label: content.subject.digest for r in content.referrers}
    subject_of[content.orphan.label] = content.missing_subject.digest
    said = {label: answer.headers.get("OCI-Subject") for label, answer in answers.items()}
    wrong = {label: header for label, header in said.items() if header != subject_of[label]}
    assert not wrong, f"OCI-Subject wrong (referrer: as answered): {wrong}"

"""Stage 'bundles': ZIP downloads by audience, each with a Vietnamese README.txt inside.

Made from what the earlier stages made (`Made.files`), never from `materials/` directly:
- one ZIP per carrier and one per district with each of its stores' banners and counter cards
  (kinds `store-banner`/`store-card`, meta `store_id`, `carrier`, `district`); a carrier's also
  holds its print batches (kind `print-batch`: a PDF/X-4 file per format, a page per store);
- one ZIP per language with the general print materials (kinds poster/leaflet/standee);
- one ZIP with every screen image (kind `screen`).

Outputs `downloads/bundles/<slug>.zip`, kind `bundle`, meta `audience` (carrier, district, lang,
screens), `items` (files besides the README), `title` (from `templates/kit/labels.yml`) and the
`directive` its files follow. A bundle with no items is not written (no store files yet: no
store bundles). ZIPs are byte-reproducible (`publish.zips`). The README
says what to print, at what size and on what material, from `materials/formats.yml`; it is
UTF-8 with a BOM and CRLF line ends so that Notepad on an agency PC shows the diacritics.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from ..artifacts import Artifact, Files, Made
from ..context import BuildContext
from ..model import Format, Project, Store
from ..publish.labels import kit_words, render
from ..publish.render import render_template
from ..publish.zips import write_zip
from ..site.letters import letters, measures_answered
from ..text import slug

STORE_KINDS = ("store-banner", "store-card")
PRINT_KINDS = ("poster", "leaflet", "standee")
SCREEN_KIND = "screen"
MEDIA_BUNDLES = {
    # audience: (slug, formats.yml kinds or format names whose clips go in, whether audio goes in)
    "one-stop": ("mot-cua", ("screen-tv", "led"), False),      # TVs at one-stop offices, roadside boards
    "radio": ("truyen-thanh", (), True),                         # commune radio and loudspeakers
    "hospitals": ("benh-vien", ("screen-tv", "screen-lift", "led"), False),  # screens, electronic boards
}
"""The media stage's clips and audio by who plays them (letters 000, 003, 004): titled by the
site's `download_titles` (`bundle:<audience>`)."""
AUDIO_KINDS = ("audio", "audio-report")
BATCH_KIND = "print-batch"
"""A carrier's stores of one province in one format, a page each (PDF/X-4, for a print shop)."""
README = "README.txt"


@dataclass
class Bundle:
    """One ZIP to write: where, for whom, and which output files go in."""

    slug: str
    audience: str
    title: str
    files: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    stores = {s.store_id: s for s in project.stores}
    readme_inputs = repr(readme_inputs_of(project)) + ctx.templates_digest()  # its template too

    @functools.cache  # a store's files are in two bundles
    def entry(rel: str) -> tuple[str, str | None]:
        """What a file brings to a bundle's key, and the directive it follows."""
        info = made.files[rel]
        store = stores.get(str(info.store_id))
        return (f"{ctx.out.digest(rel)[0]}\0{_readme_meta(info)}\0{store.row_key if store else ''}",
                info.directive)
    stems: dict[str, str] = {}  # archive_names' memo: 80,000 names a national build
    for bundle in plan(project, made.files):
        if not bundle.files:
            continue
        names = archive_names(bundle, made.files, stems)
        files = sorted(bundle.files)
        entries = list(map(entry, files))
        # Keyed by what goes in, without making it: each file's name, hash (known without reading
        # it again) and meta, the store rows its README lists, what else the README shows, and the
        # code. A rebuild re-zips only the bundles that changed.
        key = ctx.memo.key("bundle", readme=readme_inputs, slug=bundle.slug, audience=bundle.audience,
                           title=bundle.title,
                           files="\n".join([f"{names[rel]}\0{part}" for rel, (part, _) in zip(files, entries)]))

        def write(bundle: Bundle = bundle, names: dict[str, str] = names) -> Path:
            text = readme(project, bundle, made.files, names).encode("utf-8-sig")
            target = ctx.memo.temp(bundle.slug)
            write_zip(target, {names[rel]: ctx.out.root / rel for rel in bundle.files} | {README: text})
            return target
        # The directive(s) its files follow: the change report names them when a bundle changes.
        directives = sorted({str(directive) for _, directive in entries if directive})
        meta: dict[str, Any] = dict(bundle.meta)
        ctx.memo.link(ctx.out, f"downloads/bundles/{bundle.slug}.zip", key, write, "bundle",
                      audience=bundle.audience, items=len(bundle.files), title=bundle.title,
                      directive="; ".join(directives) or None, **meta)


def _readme_meta(info: Artifact) -> str:
    """What `readme` reads of a file's description (its store, by `_shown`, apart)."""
    return f"{info.format}\0{info.kind}\0{info.directive}"


def plan(project: Project, made: Files) -> list[Bundle]:
    """Every bundle and its files, in a fixed order (carriers, districts, languages, screens).

    With stores in several provinces, carrier and district bundles are per province: a
    district's name is not unique in the country (Châu Thành is in five provinces), a national
    carrier's banners are a few hundred MB, and each province's stores print their own."""
    stores = {s.store_id: s for s in project.stores}
    several = len({s.province for s in project.stores}) > 1
    by_carrier: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_district: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_lang: dict[str, list[str]] = defaultdict(list)
    screens: list[str] = []
    media: dict[str, list[str]] = {audience: [] for audience in MEDIA_BUNDLES}
    for rel, info in sorted(made.items()):
        for audience, (_, wanted, with_audio) in MEDIA_BUNDLES.items():
            fmt = project.formats.get(str(info.format))
            if (info.kind == "clip" and fmt is not None and (info.format in wanted or fmt.kind in wanted)) or (
                    with_audio and (info.kind in AUDIO_KINDS or (info.kind == "message"
                                                                 and info.message == "loudspeaker"))):
                media[audience].append(rel)
        kind = info.kind
        if kind in STORE_KINDS:
            carrier_id, district = info.carrier, info.district
            province = info.province if several else ""
            if not (carrier_id and district and province is not None):  # the print stage names all three
                store = stores.get(str(info.store_id))
                carrier_id = carrier_id or (store.carrier if store else None)
                district = district or (store.district if store else None)
                province = str(province or (store.province if store else "")) if several else ""
            if carrier_id:
                by_carrier[(carrier_id, province)].append(rel)
            if district:
                by_district[(province, district)].append(rel)
        elif kind == BATCH_KIND and info.carrier:  # the print shop's file goes with the carrier's
            by_carrier[(info.carrier, str(info.province or "") if several else "")].append(rel)
        elif kind in PRINT_KINDS and info.lang:
            by_lang[info.lang].append(rel)
        elif kind == SCREEN_KIND:
            screens.append(rel)
    titles = kit_words().bundles
    settings = project.settings
    provinces = _provinces(project, {province for _, province in by_carrier}) if several else [""]
    bundles = []
    for carrier in project.campaign.carriers:
        for province in provinces:
            where = {"province": province} if province else {}
            name = f"{carrier.name} ({province})" if province else carrier.name
            bundles.append(Bundle(_slug("cua-hang", carrier.id, province), "carrier",
                                  render(titles.carrier, settings, name=name),
                                  by_carrier.get((carrier.id, province), []), {"carrier": carrier.id, **where}))
    for province, district in _districts(project, by_district, provinces):
        where = {"province": province} if province else {}
        name = f"{district}, {province}" if province else district
        bundles.append(Bundle(_slug("cua-hang", province, district), "district",
                              render(titles.district, settings, name=name),
                              by_district.get((province, district), []), {"district": district, **where}))
    for language in project.languages:
        bundles.append(Bundle(f"in-an-{slug(language.code)}", "lang",
                              render(titles.lang, settings, name=language.name),
                              by_lang.get(language.code, []), {"lang": language.code}))
    bundles.append(Bundle("man-hinh", "screens", render(titles.screens, settings), screens))
    media_titles = project.text(project.default_lang, "download_titles")
    for audience, (name, _, _) in MEDIA_BUNDLES.items():
        bundles.append(Bundle(name, audience, str(media_titles.get(f"bundle:{audience}", name)), media[audience]))
    return bundles


def schedule(project: Project) -> dict[str, Any]:
    """The broadcast schedule the letters ask (`broadcasts_per_day`), for the radio bundle's README:
    how often, suggested times, and the campaign period the letter that set it gives."""
    directive = project.cite(frozenset({"broadcasts_per_day"}), "message:loudspeaker")
    period = [d.when for d in (directive.deadlines if directive else ())
              if not d.form and any(w in d.what.lower() for w in ("tuyên truyền", "phát thanh"))]
    return {"per_day": project.settings.broadcasts_per_day, "period": period,
            "directive": directive.reference if directive else None}


def _slug(*parts: str) -> str:
    return "-".join(slug(part) for part in parts if part)


def archive_names(bundle: Bundle, made: Files,
                  stems: dict[str, str] | None = None) -> dict[str, str]:
    """Archive name of each file. Store files go in a folder per district (carrier bundles) or
    per carrier (district bundles), named after their store; others keep their file name.
    Names that clash (the same poster name in two languages) take more of their output path.
    `stems`: a memo of each file's name without its folder, for the next bundle it is in."""
    names: dict[str, str] = {}
    folder_key = _FOLDER_OF.get(bundle.audience)
    stems = {} if stems is None else stems
    for rel in bundle.files:
        info = made.get(rel)
        name = stems.get(rel)
        if name is None:
            name = rel.rpartition("/")[2]
            if info is not None and info.store_id:
                store_slug = slug(info.store_id)
                name = name if name.startswith(store_slug) else f"{store_slug}-{name}"
            stems[rel] = name
        folder = getattr(info, folder_key) if folder_key and info is not None and info.store_id else None
        names[rel] = f"{slug(str(folder))}/{name}" if folder else name
    depth = dict.fromkeys(names, 1)
    while True:
        counts = Counter(names.values())
        clashes = [rel for rel, name in names.items() if counts[name] > 1 or name == README]
        if not clashes:
            return names
        for rel in clashes:
            parts = PurePosixPath(rel).parts
            depth[rel] += 1
            # The whole output path at worst: unique, and never README.txt at the top.
            names[rel] = "/".join(parts[-depth[rel]:]) if depth[rel] <= len(parts) else "files/" + rel


def readme_inputs_of(project: Project) -> tuple[Any, ...]:
    """Everything `readme` reads from the project besides the bundle's stores: part of the key."""
    return (project.settings, project.campaign.campaign.department, project.campaign.sample_stores, schedule(project),
            sorted(project.formats.items()), project.campaign.carriers,
            [(d.reference, d.measures) for d in letters(project) if d.measures])  # what the README cites


def readme(project: Project, bundle: Bundle, made: Files, names: Mapping[str, str]) -> str:
    settings = project.settings
    stores = {s.store_id: s for s in project.stores}
    counts: dict[str, int] = defaultdict(int)
    store_rows: dict[str, tuple[Store, str]] = {}
    directives: set[str] = set()
    for rel in bundle.files:
        info = made.get(rel)
        if info is None:
            continue
        counts[f"{info.format}:{info.kind}" if info.kind in (BATCH_KIND, "clip") else info.format or info.kind] += 1
        if info.directive:
            directives.add(info.directive)
        store = stores.get(str(info.store_id))
        if store:  # its files share a prefix: "huyen-dinh-lap/vtp-ls-00002-*"
            folder = PurePosixPath(names[rel]).parent
            store_rows[store.store_id] = (store, str(folder / f"{store.slug}-*"))
    formats = [_format_line(project.formats.get(name.removesuffix(f":{BATCH_KIND}").removesuffix(":clip")), name, n)
               for name, n in sorted(counts.items())]
    asked = [{"reference": d.reference, "number": number, "text": m.text}
             for d, number, m in measures_answered(project, bundle.files, made)]
    # Said plainly in every bundle: what the letters ask that the kit does not make yet.
    not_yet = [{"reference": d.reference, "number": number, "text": m.not_yet or m.text}
               for d in letters(project) for number, m in enumerate(d.measures, start=1)
               if m.not_yet or not m.outputs]
    text = render_template(
        "bundle_readme.txt.j2", title=bundle.title, printed=any(f["size"] for f in formats),
        department=project.campaign.campaign.department,
        directives=sorted(directives), asked=asked, not_yet=not_yet, app_name=settings.app_name,
        official_site=settings.official_site, hotline=settings.hotline,
        schedule=schedule(project) if bundle.audience == "radio" else None,
        audio=[dict(made[rel].extra) | {"file": names[rel]} for rel in bundle.files
               if rel in made and made[rel].kind == "audio"],
        sample_stores=project.campaign.sample_stores,
        formats=formats,
        stores=[{"files": files, "name": s.name, "address": s.address,
                 "district": s.district, "carrier": project.carrier(s.carrier).name}
                for s, files in sorted(store_rows.values(), key=lambda row: (row[1], row[0].store_id))],
        files=sorted(names[rel] for rel in bundle.files))
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


_FOLDER_OF = {"carrier": "district", "district": "carrier"}
"""A store file's folder in a bundle: its district in a carrier's bundle, and the other way round."""


def _format_line(fmt: Format | None, name: str, count: int) -> dict[str, Any]:
    if fmt is None:  # a file of no format (audio, a message): named as the change report names it
        title = kit_words().changes["vi"].labels.get(name, name)
        return {"title": title, "count": count, "size": None, "pixels": None, "material": None,
                "base_band": None, "clip": False}
    size = (f"{_mm(fmt.width_mm)} × {_mm(fmt.height_mm)} mm"
            if fmt.width_mm and fmt.height_mm else None)
    title = fmt.title
    if name.endswith(f":{BATCH_KIND}"):
        title += " — tệp in PDF/X-4 cho nhà in (mỗi trang một cửa hàng, dấu cắt và dòng ghi chú ngoài phần tràn lề)"
    clip = name.endswith(":clip")
    if clip:
        title += " — video hướng dẫn 15 giây"
    pixels = f"{fmt.width_px} × {fmt.height_px}" if fmt.width_px and fmt.height_px else None
    return {"title": title, "count": count, "size": size, "bleed": _mm(fmt.bleed_mm), "clip": clip,
            "pixels": pixels, "material": fmt.material,
            "base_band": _mm(fmt.base_band_mm) if fmt.base_band_mm else None}


def _mm(value: float | None) -> str:
    return f"{value:g}" if value is not None else ""


def _provinces(project: Project, found: set[str]) -> list[str]:
    """The provinces of regions.yml that have stores, in its order, then any other."""
    known = [p.name for p in project.provinces]
    return [p for p in known if p in found] + sorted(found - set(known))


def _districts(project: Project, found: Mapping[tuple[str, str], list[str]],
               provinces: list[str]) -> list[tuple[str, str]]:
    """(province, district) in regions.yml order (the campaign's province alone: province ""),
    then any other district the files name."""
    if provinces == [""]:
        own = next((p.districts for p in project.provinces
                    if p.name == project.campaign.campaign.province), ())
        return [("", d) for d in own] + sorted(k for k in found if k[1] not in own)
    regions = {p.name: p.districts for p in project.provinces}
    listed = [(province, d) for province in provinces for d in regions.get(province, ())]
    return listed + sorted(k for k in found if k not in set(listed))

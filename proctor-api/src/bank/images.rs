//! Pictures in bank files and in item rich text.
//!
//! Reading: Excel pictures anchored to a cell of the first worksheet (drawings, `xdr:from`),
//! Excel's in-cell pictures (`vm` cells resolved through `xl/richData`), and inline pictures
//! of Word paragraphs (`a:blip r:embed`). Each picture is named by its content
//! (`<sha256>.<ext>`) and left in the cell or paragraph text as a marker, which
//! [`markers_to_html`] turns into `<img src="item-image:NAME">` when the text becomes rich
//! text. The import job stores the pictures in object storage under `item-images/NAME`.
//!
//! Serving: stored bodies keep the stable `item-image:NAME` address (so the content hash
//! does not change with links); every answer that carries a body swaps it for a short-lived
//! signed `/files/...` link ([`sign_body`], [`sign_html`]).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use sha2::{Digest, Sha256};

use super::item::{CandidateQuestion, ItemBody};
use crate::error::ApiError;
use crate::files::Files;

/// The address scheme stored in rich text for a bank picture.
pub const SCHEME: &str = "item-image";
/// Object-storage prefix of bank pictures.
pub const PREFIX: &str = "item-images/";
/// Private-use characters around a picture name inside cell or paragraph text; no bank
/// file contains them, and the text clean-up leaves them alone.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A picture found in a file.
#[derive(Debug, Clone)]
pub struct Picture {
    /// `<sha256>.<ext>`.
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Picture {
    /// Names a picture by its content; `None` for formats a browser may not show.
    fn new(path: &str, bytes: Vec<u8>) -> Option<Picture> {
        let ext = path.rsplit('.').next()?.to_ascii_lowercase();
        let (ext, content_type) = match ext.as_str() {
            "png" => ("png", "image/png"),
            "jpg" | "jpeg" => ("jpg", "image/jpeg"),
            "gif" => ("gif", "image/gif"),
            "bmp" => ("bmp", "image/bmp"),
            "webp" => ("webp", "image/webp"),
            "svg" => ("svg", "image/svg+xml"),
            _ => return None,
        };
        let name = format!("{}.{ext}", hex::encode(Sha256::digest(&bytes)));
        Some(Picture {
            name,
            content_type,
            bytes,
        })
    }

    /// The marker left in text where the picture stood.
    pub fn marker(&self) -> String {
        format!("{OPEN}{}{CLOSE}", self.name)
    }
}

/// Replaces picture markers in (already escaped) rich text by `<img>` elements.
pub fn markers_to_html(html: &str) -> String {
    if !html.contains(OPEN) {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8()..];
        match after.find(CLOSE) {
            Some(j) => {
                let name = &after[..j];
                if is_name(name) {
                    out.push_str(&format!("<img src=\"{SCHEME}:{name}\" alt=\"\">"));
                }
                rest = &after[j + CLOSE.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `<64 hex>.<ext>`: what a stored picture is called; nothing else may become a key.
fn is_name(s: &str) -> bool {
    let Some((hash, ext)) = s.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !ext.is_empty()
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Every picture name referenced by an `item-image:` address in the text.
pub fn names_in(html: &str) -> Vec<String> {
    let needle = format!("{SCHEME}:");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(after.len());
        if is_name(&after[..end]) {
            out.push(after[..end].to_owned());
        }
        rest = &after[end..];
    }
    out
}

/// Turns signed picture links (as answers carry them, and as an editor sends them back)
/// into the stable `item-image:NAME` address again, so links never get stored.
pub fn unsign(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(PREFIX) {
        let after = &rest[i + PREFIX.len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(after.len());
        let name = &after[..end];
        let start = rest[..i].rfind('"');
        let close = after[end..].find('"').map(|j| end + j);
        match (start, close) {
            (Some(s), Some(c)) if is_name(name) && !rest[s..i].contains(char::is_whitespace) => {
                out.push_str(&rest[..=s]);
                out.push_str(&format!("{SCHEME}:{name}"));
                rest = &after[c..];
            }
            _ => {
                out.push_str(&rest[..i + PREFIX.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text with every `item-image:NAME` replaced by its link from `links`.
fn swap(html: &str, links: &HashMap<String, String>) -> String {
    let mut s = html.to_owned();
    for (name, link) in links {
        let escaped = link.replace('&', "&amp;");
        s = s.replace(&format!("{SCHEME}:{name}"), &escaped);
    }
    s
}

fn collect(b: &ItemBody, out: &mut Vec<String>) {
    for t in [&b.stem, &b.reference_answer, &b.explanation]
        .into_iter()
        .chain(&b.options)
    {
        out.extend(names_in(t));
    }
    for s in &b.sub_questions {
        collect(s, out);
    }
}

fn apply(b: &mut ItemBody, links: &HashMap<String, String>) {
    for t in [&mut b.stem, &mut b.reference_answer, &mut b.explanation]
        .into_iter()
        .chain(b.options.iter_mut())
    {
        *t = swap(t, links);
    }
    for s in &mut b.sub_questions {
        apply(s, links);
    }
}

async fn links_for(files: &Files, names: Vec<String>) -> Result<HashMap<String, String>, ApiError> {
    let mut links = HashMap::new();
    for n in names {
        // The link is made before the entry because making it awaits.
        if let std::collections::hash_map::Entry::Vacant(e) = links.entry(n) {
            let link = files.link(&format!("{PREFIX}{}", e.key())).await?;
            e.insert(link);
        }
    }
    Ok(links)
}

/// One rich text with its pictures as short-lived links.
pub async fn sign_html(files: &Files, html: &str) -> Result<String, ApiError> {
    let names = names_in(html);
    if names.is_empty() {
        return Ok(html.to_owned());
    }
    Ok(swap(html, &links_for(files, names).await?))
}

/// A body (sub-questions included) with its pictures as short-lived links, for an answer.
pub async fn sign_body(files: &Files, body: &mut ItemBody) -> Result<(), ApiError> {
    let mut names = Vec::new();
    collect(body, &mut names);
    if names.is_empty() {
        return Ok(());
    }
    let links = links_for(files, names).await?;
    apply(body, &links);
    Ok(())
}

/// A candidate's question with its pictures as short-lived links.
pub async fn sign_question(files: &Files, q: &mut CandidateQuestion) -> Result<(), ApiError> {
    q.stem = sign_html(files, &q.stem).await?;
    for o in &mut q.options {
        *o = sign_html(files, o).await?;
    }
    for s in &mut q.sub_questions {
        Box::pin(sign_question(files, s)).await?;
    }
    Ok(())
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn read_text(zip: &mut Zip<'_>, path: &str) -> Option<String> {
    let mut s = String::new();
    zip.by_name(path).ok()?.read_to_string(&mut s).ok()?;
    Some(s)
}

fn read_bytes(zip: &mut Zip<'_>, path: &str) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    zip.by_name(path).ok()?.read_to_end(&mut v).ok()?;
    Some(v)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// An attribute by local name. Ids and package paths carry no entities but `&amp;`.
fn attr(e: &BytesStart<'_>, want: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.0) == want)
        .map(|a| a.value.replace("&amp;", "&"))
}

/// A part's relationships: id → (type, absolute target path inside the package).
fn rels(zip: &mut Zip<'_>, part: &str) -> HashMap<String, (String, String)> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_path = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let mut out = HashMap::new();
    let Some(xml) = read_text(zip, &rels_path) else {
        return out;
    };
    let mut r = Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(Event::Empty(e) | Event::Start(e)) if local(e.name().0) == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    let ty = attr(&e, "Type").unwrap_or_default();
                    out.insert(id, (ty, resolve(dir, &target)));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// `xl/worksheets` + `../media/a.png` → `xl/media/a.png`; `/xl/x` → `xl/x`.
fn resolve(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_owned();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn picture_at(
    zip: &mut Zip<'_>,
    path: &str,
    seen: &mut BTreeMap<String, Picture>,
) -> Option<String> {
    let bytes = read_bytes(zip, path)?;
    let p = Picture::new(path, bytes)?;
    let marker = p.marker();
    seen.entry(p.name.clone()).or_insert(p);
    Some(marker)
}

/// `B3` → (2, 1), zero-based (row, column).
fn cell_ref(r: &str) -> Option<(usize, usize)> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &r[letters.len()..];
    let row: usize = digits.parse().ok()?;
    let col = letters.bytes().try_fold(0usize, |acc, b| {
        Some(acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize)
    })?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// (row, column) → the picture markers to add to that cell's text.
pub type CellPictures = HashMap<(usize, usize), Vec<String>>;

/// Pictures of the first worksheet: the markers per cell, and every picture once.
pub fn xlsx_pictures(bytes: &[u8]) -> (CellPictures, Vec<Picture>) {
    let mut cells = CellPictures::new();
    let mut seen = BTreeMap::new();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return (cells, Vec::new());
    };
    let Some(sheet) = first_sheet(&mut zip) else {
        return (cells, Vec::new());
    };
    let sheet_rels = rels(&mut zip, &sheet);

    // Drawings: pictures anchored at the cell their top-left corner is in.
    for (ty, drawing) in sheet_rels.values() {
        if !ty.ends_with("/drawing") {
            continue;
        }
        let Some(xml) = read_text(&mut zip, drawing) else {
            continue;
        };
        let drawing_rels = rels(&mut zip, drawing);
        let mut r = Reader::from_str(&xml);
        let (mut in_from, mut field) = (false, None::<&'static str>);
        let (mut row, mut col, mut embed) = (None::<usize>, None::<usize>, None::<String>);
        loop {
            match r.read_event() {
                Ok(Event::Start(e)) => match local(e.name().0) {
                    "from" => in_from = true,
                    "row" if in_from => field = Some("row"),
                    "col" if in_from => field = Some("col"),
                    "blip" => embed = attr(&e, "embed").or(embed),
                    _ => {}
                },
                Ok(Event::Empty(e)) if local(e.name().0) == "blip" => {
                    embed = attr(&e, "embed").or(embed);
                }
                Ok(Event::Text(t)) => {
                    let v = t.xml10_content().trim().parse().ok();
                    match field {
                        Some("row") => row = v,
                        Some("col") => col = v,
                        _ => {}
                    }
                }
                Ok(Event::End(e)) => match local(e.name().0) {
                    "from" => in_from = false,
                    "row" | "col" => field = None,
                    "twoCellAnchor" | "oneCellAnchor" => {
                        if let (Some(rw), Some(c), Some(id)) =
                            (row.take(), col.take(), embed.take())
                            && let Some((_, target)) = drawing_rels.get(&id)
                            && let Some(m) = picture_at(&mut zip, &target.clone(), &mut seen)
                        {
                            cells.entry((rw, c)).or_default().push(m);
                        }
                    }
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }

    // In-cell pictures: a cell's `vm` (1-based) picks a rich value whose first value is the
    // index of the picture's relationship in richValueRel.xml.
    let vm_cells = vm_cells(&mut zip, &sheet);
    if !vm_cells.is_empty() {
        let values = rich_value_rel_indexes(&mut zip);
        let rel_ids = rich_value_rel_ids(&mut zip);
        let rv_rels = rels(&mut zip, "xl/richData/richValueRel.xml");
        for ((rw, c), vm) in vm_cells {
            let target = vm
                .checked_sub(1)
                .and_then(|i| values.get(i))
                .and_then(|rel| rel_ids.get(*rel))
                .and_then(|id| rv_rels.get(id))
                .map(|(_, t)| t.clone());
            if let Some(t) = target
                && let Some(m) = picture_at(&mut zip, &t, &mut seen)
            {
                cells.entry((rw, c)).or_default().push(m);
            }
        }
    }
    (cells, seen.into_values().collect())
}

fn first_sheet(zip: &mut Zip<'_>) -> Option<String> {
    let xml = read_text(zip, "xl/workbook.xml")?;
    let mut r = Reader::from_str(&xml);
    let id = loop {
        match r.read_event() {
            Ok(Event::Empty(e) | Event::Start(e)) if local(e.name().0) == "sheet" => {
                break attr(&e, "id")?;
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    };
    rels(zip, "xl/workbook.xml").remove(&id).map(|(_, t)| t)
}

fn vm_cells(zip: &mut Zip<'_>, sheet: &str) -> Vec<((usize, usize), usize)> {
    let Some(xml) = read_text(zip, sheet) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut r = Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(Event::Empty(e) | Event::Start(e)) if local(e.name().0) == "c" => {
                if let (Some(at), Some(vm)) = (attr(&e, "r"), attr(&e, "vm"))
                    && let (Some(pos), Ok(vm)) = (cell_ref(&at), vm.parse())
                {
                    out.push((pos, vm));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// For each rich value, its first `<v>` (the local image identifier).
fn rich_value_rel_indexes(zip: &mut Zip<'_>) -> Vec<usize> {
    let Some(xml) = read_text(zip, "xl/richData/rdrichvalue.xml") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut r = Reader::from_str(&xml);
    let (mut in_rv, mut first, mut in_v) = (false, true, false);
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if local(e.name().0) == "rv" => {
                in_rv = true;
                first = true;
            }
            Ok(Event::End(e)) if local(e.name().0) == "rv" => {
                if first {
                    out.push(usize::MAX);
                }
                in_rv = false;
            }
            Ok(Event::Start(e)) if in_rv && local(e.name().0) == "v" => in_v = true,
            Ok(Event::End(e)) if local(e.name().0) == "v" => in_v = false,
            Ok(Event::Text(t)) if in_v && first => {
                let v = t.xml10_content().trim().parse().unwrap_or(usize::MAX);
                out.push(v);
                first = false;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

fn rich_value_rel_ids(zip: &mut Zip<'_>) -> Vec<String> {
    let Some(xml) = read_text(zip, "xl/richData/richValueRel.xml") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut r = Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(Event::Empty(e) | Event::Start(e)) if local(e.name().0) == "rel" => {
                out.push(attr(&e, "id").unwrap_or_default());
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// Word: relationship id → the marker of the picture it points at; and every picture once.
pub fn docx_pictures(bytes: &[u8]) -> (HashMap<String, String>, Vec<Picture>) {
    let mut markers = HashMap::new();
    let mut seen = BTreeMap::new();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return (markers, Vec::new());
    };
    for (id, (ty, target)) in rels(&mut zip, "word/document.xml") {
        if ty.ends_with("/image")
            && let Some(m) = picture_at(&mut zip, &target, &mut seen)
        {
            markers.insert(id, m);
        }
    }
    (markers, seen.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_images_and_names_are_strict() {
        let name = format!("{}.png", "a".repeat(64));
        let html = format!("看图{OPEN}{name}{CLOSE}作答{OPEN}../../etc{CLOSE}");
        let out = markers_to_html(&html);
        assert_eq!(
            out,
            format!("看图<img src=\"item-image:{name}\" alt=\"\">作答")
        );
        assert_eq!(names_in(&out), vec![name.clone()]);
        let signed =
            format!("<p>x<img src=\"/files/item-images/{name}?exp=1&amp;sig=ab\" alt=\"\"></p>");
        assert_eq!(
            unsign(&signed),
            format!("<p>x<img src=\"item-image:{name}\" alt=\"\"></p>")
        );
        assert_eq!(
            resolve("xl/worksheets", "../drawings/drawing1.xml"),
            "xl/drawings/drawing1.xml"
        );
        assert_eq!(cell_ref("AB12"), Some((11, 27)));
    }
}

//! A small PDF writer for admission tickets: text in one embedded CJK font (subset to the
//! glyphs used, with a ToUnicode map so the text can be searched and extracted), JPEG
//! images and filled rectangles (the QR code). Pages are A4 in points, origin bottom-left.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use subsetter::GlyphRemapper;

pub const A4: (f32, f32) = (595.28, 841.89);

pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// An image added with [`Doc::add_jpeg`], drawn into the box.
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

pub struct Jpeg {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The font file and which face of it to use (a collection such as `.ttc` holds several).
pub struct Font<'a> {
    pub data: &'a [u8],
    pub index: u32,
}

#[derive(Default)]
pub struct Doc {
    pages: Vec<Vec<Op>>,
    images: Vec<Jpeg>,
}

impl Doc {
    pub fn page(&mut self, ops: Vec<Op>) {
        self.pages.push(ops);
    }

    pub fn add_jpeg(&mut self, j: Jpeg) -> usize {
        self.images.push(j);
        self.images.len() - 1
    }

    /// The finished file.
    pub fn render(&self, font: &Font<'_>, title: &str) -> anyhow::Result<Vec<u8>> {
        let face = ttf_parser::Face::parse(font.data, font.index)?;
        let upem = f32::from(face.units_per_em());
        // Glyphs used, remapped to the subset's ids (which are also the CIDs).
        let mut remap = GlyphRemapper::new();
        let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
        let mut widths: BTreeMap<u16, u32> = BTreeMap::new();
        let mut encoded: Vec<Vec<String>> = Vec::new();
        for ops in &self.pages {
            let mut page_texts = Vec::new();
            for op in ops {
                if let Op::Text { text, .. } = op {
                    let mut hex = String::new();
                    for c in text.chars() {
                        let gid = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                        let new = remap.remap(gid.0);
                        to_unicode.entry(new).or_insert(c);
                        let adv = face.glyph_hor_advance(gid).unwrap_or(0);
                        widths.insert(new, (f32::from(adv) * 1000.0 / upem).round() as u32);
                        let _ = write!(hex, "{new:04X}");
                    }
                    page_texts.push(hex);
                }
            }
            encoded.push(page_texts);
        }
        let subset = subsetter::subset(font.data, font.index, &remap)
            .map_err(|e| anyhow::anyhow!("font subset: {e}"))?;
        let (font_file, cff) = match sfnt_table(&subset, b"CFF ") {
            Some(t) => (t.to_vec(), true),
            None => (subset.clone(), false),
        };

        let mut w = Writer::default();
        let catalog = w.reserve();
        let pages_id = w.reserve();
        // Font objects.
        let font_file_id = w.stream(
            &if cff {
                "/Subtype /CIDFontType0C".to_owned()
            } else {
                format!("/Length1 {}", font_file.len())
            },
            &font_file,
        );
        let ps_name = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| "CJKFont".to_owned())
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "");
        let base = format!("PRCTOR+{ps_name}");
        let bbox = face.global_bounding_box();
        let scale = |v: i16| (f32::from(v) * 1000.0 / upem).round() as i32;
        let descriptor = w.object(format!(
            "<< /Type /FontDescriptor /FontName /{base} /Flags 4 /FontBBox [{} {} {} {}] /ItalicAngle 0 \
             /Ascent {} /Descent {} /CapHeight {} /StemV 80 /{} {} 0 R >>",
            scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max),
            scale(face.ascender()), scale(face.descender()), scale(face.capital_height().unwrap_or(face.ascender())),
            if cff { "FontFile3" } else { "FontFile2" }, font_file_id
        ));
        let mut wtext = String::new();
        for (cid, width) in &widths {
            let _ = write!(wtext, "{cid} [{width}] ");
        }
        let cid_font = w.object(format!(
            "<< /Type /Font /Subtype /{} /BaseFont /{base} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {descriptor} 0 R /DW 1000 /W [{wtext}]{} >>",
            if cff { "CIDFontType0" } else { "CIDFontType2" },
            if cff { "" } else { " /CIDToGIDMap /Identity" }
        ));
        let cmap = w.stream("", tounicode(&to_unicode).as_bytes());
        let type0 = w.object(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H /DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap} 0 R >>"
        ));
        let image_ids: Vec<usize> = self
            .images
            .iter()
            .map(|j| {
                w.stream(
                    &format!("/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", j.width, j.height),
                    &j.bytes,
                )
            })
            .collect();
        let mut xobjects = String::new();
        for (i, id) in image_ids.iter().enumerate() {
            let _ = write!(xobjects, "/Im{i} {id} 0 R ");
        }
        let mut kids = Vec::new();
        for (ops, texts) in self.pages.iter().zip(&encoded) {
            let mut content = String::new();
            let mut next_text = texts.iter();
            for op in ops {
                match op {
                    Op::Text { x, y, size, .. } => {
                        let hex = next_text.next().map(String::as_str).unwrap_or("");
                        let _ = writeln!(
                            content,
                            "BT /F1 {size:.1} Tf 1 0 0 1 {x:.2} {y:.2} Tm <{hex}> Tj ET"
                        );
                    }
                    Op::Rect { x, y, w, h } => {
                        let _ = writeln!(content, "{x:.2} {y:.2} {w:.2} {h:.2} re f");
                    }
                    Op::Line { x1, y1, x2, y2 } => {
                        let _ = writeln!(content, "0.6 w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
                    }
                    Op::Image { index, x, y, w, h } => {
                        let _ = writeln!(
                            content,
                            "q {w:.2} 0 0 {h:.2} {x:.2} {y:.2} cm /Im{index} Do Q"
                        );
                    }
                }
            }
            let contents = w.stream("", content.as_bytes());
            kids.push(w.object(format!(
                "<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 {type0} 0 R >> /XObject << {xobjects}>> >> /Contents {contents} 0 R >>",
                A4.0, A4.1
            )));
        }
        let kids_text: Vec<String> = kids.iter().map(|k| format!("{k} 0 R")).collect();
        w.set(
            pages_id,
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids_text.join(" "),
                kids.len()
            ),
        );
        w.set(
            catalog,
            format!("<< /Type /Catalog /Pages {pages_id} 0 R >>"),
        );
        let info = w.object(format!(
            "<< /Title <{}> /Producer (proctor-api) >>",
            utf16_hex(title)
        ));
        Ok(w.finish(catalog, info))
    }
}

/// One table of an OpenType file.
fn sfnt_table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let n = u16::from_be_bytes(font.get(4..6)?.try_into().ok()?) as usize;
    for i in 0..n {
        let rec = font.get(12 + 16 * i..28 + 16 * i)?;
        if &rec[..4] == tag {
            let off = u32::from_be_bytes(rec[8..12].try_into().ok()?) as usize;
            let len = u32::from_be_bytes(rec[12..16].try_into().ok()?) as usize;
            return font.get(off..off + len);
        }
    }
    None
}

fn utf16_hex(s: &str) -> String {
    let mut out = String::from("FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out
}

fn tounicode(map: &BTreeMap<u16, char>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = map.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let mut buf = [0u16; 2];
            let units: String = c
                .encode_utf16(&mut buf)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(s, "<{gid:04X}> <{units}>");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// Numbered objects, then the cross-reference table.
#[derive(Default)]
struct Writer {
    objects: Vec<Option<Vec<u8>>>,
}

impl Writer {
    fn reserve(&mut self) -> usize {
        self.objects.push(None);
        self.objects.len()
    }

    fn set(&mut self, id: usize, body: String) {
        self.objects[id - 1] = Some(body.into_bytes());
    }

    fn object(&mut self, body: String) -> usize {
        self.objects.push(Some(body.into_bytes()));
        self.objects.len()
    }

    fn stream(&mut self, dict_extra: &str, data: &[u8]) -> usize {
        let mut body = format!("<< /Length {} {dict_extra} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.objects.push(Some(body));
        self.objects.len()
    }

    fn finish(self, root: usize, info: usize) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body.as_deref().unwrap_or(b"null"));
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", self.objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n", self.objects.len() + 1).as_bytes(),
        );
        out
    }
}

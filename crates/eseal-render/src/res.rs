//! Resources (GB/T 33190 §7.9, 资源): the document's PublicRes and DocumentRes and a page's
//! PageRes, each a file whose `BaseLoc` is the folder its fonts and media are found in. Only
//! the definitions are read here; font and image bytes are read when first drawn.

use crate::geom;
use crate::warn::Warnings;
use eseal_doc::xml::{Node, resolve_loc};
use std::collections::HashMap;

/// A colour space (ColorSpace): its type, bits per component and palette.
#[derive(Debug, Clone, PartialEq)]
pub struct ColorSpace {
    /// GRAY, RGB or CMYK.
    pub kind: SpaceKind,
    /// Bits per component (1, 2, 4, 8 or 16; 8 when absent).
    pub bits: u32,
    /// The palette's colours, as written (`CV` entries).
    pub palette: Vec<String>,
}

/// The colour space types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceKind {
    /// One component.
    Gray,
    /// Three components.
    Rgb,
    /// Four components.
    Cmyk,
}

/// A font declaration (Font).
#[derive(Debug, Clone, PartialEq)]
pub struct FontDecl {
    /// `FontName`.
    pub name: String,
    /// `FamilyName`.
    pub family: Option<String>,
    /// `Bold`.
    pub bold: bool,
    /// `Italic`.
    pub italic: bool,
    /// `FontFile`, resolved in the package, when embedded.
    pub file: Option<String>,
}

/// A drawing parameter set (DrawParam): the node, its `Relative` parent.
#[derive(Debug, Clone)]
pub struct DrawParamDecl {
    /// The DrawParam element.
    pub node: Node,
    /// `Relative`: the ID of the DrawParam it inherits from.
    pub relative: Option<String>,
}

/// A multimedia object (MultiMedia): an image's format and file.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// `Type` (Image, Audio, Video).
    pub kind: String,
    /// `Format` as written (PNG, JPEG, GBIG2 …), may be empty.
    pub format: String,
    /// `MediaFile`, resolved in the package.
    pub file: String,
}

/// A composite graphic unit (CompositeGraphicUnit): its size and content.
#[derive(Debug, Clone)]
pub struct Composite {
    /// `Width`, `Height` in its own units.
    pub size: (f32, f32),
    /// The `Content` element (a PageBlock).
    pub content: Node,
}

/// Every resource known to a page, by ID.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Colour spaces.
    pub spaces: HashMap<String, ColorSpace>,
    /// Fonts.
    pub fonts: HashMap<String, FontDecl>,
    /// Drawing parameters.
    pub params: HashMap<String, DrawParamDecl>,
    /// Images and other media.
    pub media: HashMap<String, Media>,
    /// Composite graphic units.
    pub composites: HashMap<String, Composite>,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl Resources {
    /// Adds the definitions of the resource file `node` read from `path`. A later
    /// definition of an ID already known is ignored, with a warning.
    pub fn add(&mut self, node: &Node, path: &str, w: &mut Warnings) {
        let base = match node.attr("BaseLoc") {
            Some(b) => resolve_loc(b, dir_of(path)),
            None => dir_of(path).to_owned(),
        };
        let base = base.trim_start_matches('/').to_owned();
        let dup = |id: &str, w: &mut Warnings| {
            w.push(
                path,
                format!("资源标识 {id:?} 重复定义，只用第一个"),
                format!("resource ID {id:?} is defined twice; the first is used"),
            );
        };
        for group in &node.children {
            for item in &group.children {
                let Some(id) = item.attr("ID").map(str::trim).filter(|i| !i.is_empty()) else {
                    continue;
                };
                let id = id.to_owned();
                let known = self.spaces.contains_key(&id)
                    || self.fonts.contains_key(&id)
                    || self.params.contains_key(&id)
                    || self.media.contains_key(&id)
                    || self.composites.contains_key(&id);
                if known {
                    dup(&id, w);
                    continue;
                }
                match item.name.as_str() {
                    "ColorSpace" => {
                        let kind = match item.attr("Type").map(str::to_ascii_uppercase).as_deref() {
                            Some("GRAY") => SpaceKind::Gray,
                            Some("CMYK") => SpaceKind::Cmyk,
                            _ => SpaceKind::Rgb,
                        };
                        let bits = item
                            .attr("BitsPerComponent")
                            .and_then(|b| b.trim().parse().ok())
                            .filter(|b| [1, 2, 4, 8, 16].contains(b))
                            .unwrap_or(8);
                        let palette = item
                            .child("Palette")
                            .map(|p| p.all("CV").map(|c| c.text.clone()).collect())
                            .unwrap_or_default();
                        self.spaces.insert(
                            id,
                            ColorSpace {
                                kind,
                                bits,
                                palette,
                            },
                        );
                    }
                    "Font" => {
                        let flag = |n: &str| item.attr(n).is_some_and(|v| v.trim() == "true");
                        let file = item.child("FontFile").map(|f| {
                            resolve_loc(&f.text, &base)
                                .trim_start_matches('/')
                                .to_owned()
                        });
                        self.fonts.insert(
                            id,
                            FontDecl {
                                name: item.attr("FontName").unwrap_or_default().trim().to_owned(),
                                family: item.attr("FamilyName").map(|f| f.trim().to_owned()),
                                bold: flag("Bold"),
                                italic: flag("Italic"),
                                file,
                            },
                        );
                    }
                    "DrawParam" => {
                        self.params.insert(
                            id,
                            DrawParamDecl {
                                node: item.clone(),
                                relative: item.attr("Relative").map(|r| r.trim().to_owned()),
                            },
                        );
                    }
                    "MultiMedia" => {
                        let Some(file) = item.child("MediaFile") else {
                            w.push(
                                path,
                                format!("多媒体资源 {id} 没有 MediaFile"),
                                format!("multimedia resource {id} has no MediaFile"),
                            );
                            continue;
                        };
                        self.media.insert(
                            id,
                            Media {
                                kind: item.attr("Type").unwrap_or("Image").to_owned(),
                                format: item.attr("Format").unwrap_or_default().trim().to_owned(),
                                file: resolve_loc(&file.text, &base)
                                    .trim_start_matches('/')
                                    .to_owned(),
                            },
                        );
                    }
                    "CompositeGraphicUnit" => {
                        let num = |n: &str| {
                            item.attr(n)
                                .map(geom::numbers)
                                .and_then(|(v, _)| v.first().copied())
                                .unwrap_or(0.0)
                        };
                        if let Some(content) = item.child("Content") {
                            self.composites.insert(
                                id,
                                Composite {
                                    size: (num("Width"), num("Height")),
                                    content: content.clone(),
                                },
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

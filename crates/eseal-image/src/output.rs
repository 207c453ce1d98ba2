//! SVG and PNG output. Both come from the same shapes, with fixed number formatting and a
//! software rasteriser, so the same input always gives the same bytes.

use crate::error::ImageError;
use crate::path::Cmd;
use crate::render::Impression;

/// The seal red (印章红), sRGB.
pub const SEAL_RED: (u8, u8, u8) = (0xE6, 0x00, 0x12);

fn n(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

impl Impression {
    /// SVG in millimetres (the image drops into a document at true size).
    pub fn to_svg(&self) -> String {
        let (r, g, b) = SEAL_RED;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\">",
            w = n(self.width_mm),
            h = n(self.height_mm)
        );
        let filter = if let Some(seed) = self.aged_seed {
            out.push_str(&format!(
                "<defs><filter id=\"aged\"><feTurbulence type=\"fractalNoise\" baseFrequency=\"0.9\" numOctaves=\"2\" seed=\"{}\"/><feColorMatrix type=\"matrix\" values=\"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -2.2 1.6\"/><feComposite in=\"SourceGraphic\" operator=\"in\"/></filter></defs>",
                seed % 1_000_000
            ));
            " filter=\"url(#aged)\""
        } else {
            ""
        };
        out.push_str(&format!("<g fill=\"#{r:02X}{g:02X}{b:02X}\"{filter}>"));
        for shape in &self.shapes {
            let mut d = String::new();
            for c in &shape.cmds {
                match *c {
                    Cmd::Move(x, y) => d.push_str(&format!("M{} {}", n(x), n(y))),
                    Cmd::Line(x, y) => d.push_str(&format!("L{} {}", n(x), n(y))),
                    Cmd::Quad(a, b, x, y) => {
                        d.push_str(&format!("Q{} {} {} {}", n(a), n(b), n(x), n(y)))
                    }
                    Cmd::Cubic(a, b, c2, d2, x, y) => d.push_str(&format!(
                        "C{} {} {} {} {} {}",
                        n(a),
                        n(b),
                        n(c2),
                        n(d2),
                        n(x),
                        n(y)
                    )),
                    Cmd::Close => d.push('Z'),
                }
            }
            let rule = if shape.even_odd {
                " fill-rule=\"evenodd\""
            } else {
                ""
            };
            out.push_str(&format!("<path{rule} d=\"{d}\"/>"));
        }
        out.push_str("</g></svg>\n");
        out
    }

    /// PNG at `dpi`, transparent background, the resolution recorded (pHYs).
    pub fn to_png(&self, dpi: u32) -> Result<Vec<u8>, ImageError> {
        let img = self.rasterize(&RasterOptions {
            dpi: dpi as f32,
            ..RasterOptions::default()
        })?;
        encode_png(&img)
    }

    /// Rasterise with placement options (tests use them to make shifted and rotated copies).
    pub fn rasterize(&self, opts: &RasterOptions) -> Result<Rgba, ImageError> {
        if !(50.0..=2400.0).contains(&opts.dpi) {
            return Err(ImageError::BadSize(format!(
                "{} dpi is outside 50–2400",
                opts.dpi
            )));
        }
        let px = opts.dpi / 25.4;
        let cw = self.width_mm + 2.0 * opts.margin_mm;
        let ch = self.height_mm + 2.0 * opts.margin_mm;
        let (w, h) = ((cw * px).round() as u32, (ch * px).round() as u32);
        if w == 0 || h == 0 || w > 12_000 || h > 12_000 {
            return Err(ImageError::BadSize(format!(
                "{w}×{h} pixels is not a sensible image size"
            )));
        }
        let mut pixmap = tiny_skia::Pixmap::new(w, h)
            .ok_or_else(|| ImageError::BadSize("cannot allocate the image".into()))?;
        let (r, g, b) = SEAL_RED;
        let mut paint = tiny_skia::Paint::default();
        paint.set_color_rgba8(r, g, b, 255);
        paint.anti_alias = true;
        let (cx, cy) = (self.width_mm / 2.0, self.height_mm / 2.0);
        let transform = tiny_skia::Transform::from_translate(-cx, -cy)
            .post_rotate(opts.rotate_deg)
            .post_translate(
                cx + opts.margin_mm + opts.offset_mm.0,
                cy + opts.margin_mm + opts.offset_mm.1,
            )
            .post_scale(px, px);
        for shape in &self.shapes {
            let mut pb = tiny_skia::PathBuilder::new();
            for c in &shape.cmds {
                match *c {
                    Cmd::Move(x, y) => pb.move_to(x, y),
                    Cmd::Line(x, y) => pb.line_to(x, y),
                    Cmd::Quad(a, b2, x, y) => pb.quad_to(a, b2, x, y),
                    Cmd::Cubic(a, b2, c2, d2, x, y) => pb.cubic_to(a, b2, c2, d2, x, y),
                    Cmd::Close => pb.close(),
                }
            }
            let Some(path) = pb.finish() else { continue };
            let rule = if shape.even_odd {
                tiny_skia::FillRule::EvenOdd
            } else {
                tiny_skia::FillRule::Winding
            };
            pixmap.fill_path(&path, &paint, rule, transform, None);
        }
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for p in pixmap.pixels() {
            let c = p.demultiply();
            data.extend([c.red(), c.green(), c.blue(), c.alpha()]);
        }
        let mut img = Rgba {
            width: w,
            height: h,
            data,
            dpi: Some(opts.dpi),
        };
        if let Some(seed) = self.aged_seed {
            age(&mut img, seed, px);
        }
        Ok(img)
    }
}

/// Where and how to rasterise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RasterOptions {
    /// Resolution.
    pub dpi: f32,
    /// Rotation about the seal's centre, degrees clockwise.
    pub rotate_deg: f32,
    /// Shift in mm.
    pub offset_mm: (f32, f32),
    /// Empty border around the seal, mm.
    pub margin_mm: f32,
}

impl Default for RasterOptions {
    fn default() -> Self {
        Self {
            dpi: 300.0,
            rotate_deg: 0.0,
            offset_mm: (0.0, 0.0),
            margin_mm: 0.0,
        }
    }
}

/// An 8-bit RGBA image (not premultiplied).
#[derive(Debug, Clone, PartialEq)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels, row by row, RGBA.
    pub data: Vec<u8>,
    /// Resolution, when known.
    pub dpi: Option<f32>,
}

/// A small deterministic generator (SplitMix64) for textures and test noise.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn lattice(seed: u64, x: i64, y: i64) -> f32 {
    let mut g = SplitMix(
        seed ^ (x as u64).wrapping_mul(0x9E37_79B9)
            ^ (y as u64).wrapping_mul(0x85EB_CA6B).rotate_left(17),
    );
    g.unit()
}

/// Worn ink: value noise at about 0.7 mm scale thins the ink in patches.
fn age(img: &mut Rgba, seed: u64, px_per_mm: f32) {
    let cell = (0.7 * px_per_mm).max(2.0);
    let w = img.width as usize;
    for (i, p) in img.data.chunks_exact_mut(4).enumerate() {
        let Some(a) = p.get(3).copied() else { continue };
        if a == 0 {
            continue;
        }
        let (x, y) = ((i % w) as f32 / cell, (i / w) as f32 / cell);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (xi, yi) = (x0 as i64, y0 as i64);
        let v = lattice(seed, xi, yi) * (1.0 - fx) * (1.0 - fy)
            + lattice(seed, xi + 1, yi) * fx * (1.0 - fy)
            + lattice(seed, xi, yi + 1) * (1.0 - fx) * fy
            + lattice(seed, xi + 1, yi + 1) * fx * fy;
        let keep = ((v - 0.18) / 0.25).clamp(0.15, 1.0);
        if let Some(alpha) = p.get_mut(3) {
            *alpha = (f32::from(a) * keep) as u8;
        }
    }
}

/// Encode as PNG with the resolution in pHYs.
pub fn encode_png(img: &Rgba) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
        if let Some(dpi) = img.dpi {
            let ppm = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
        }
        let mut writer = enc
            .write_header()
            .map_err(|e| ImageError::Encoding(e.to_string()))?;
        writer
            .write_image_data(&img.data)
            .map_err(|e| ImageError::Encoding(e.to_string()))?;
    }
    Ok(out)
}

/// Decode a PNG or JPEG into RGBA (with the resolution when the file records one).
pub fn decode(bytes: &[u8]) -> Result<Rgba, ImageError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
        dec.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = dec
            .read_info()
            .map_err(|e| ImageError::NotAnImage(format!("PNG: {e}")))?;
        let info = reader.info();
        if u64::from(info.width) * u64::from(info.height) > 100_000_000 {
            return Err(ImageError::NotAnImage(
                "the image is larger than 100 megapixels".into(),
            ));
        }
        let dpi = info.pixel_dims.and_then(|d| {
            (d.unit == png::Unit::Meter && d.xppu > 0).then_some(d.xppu as f32 * 0.0254)
        });
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| ImageError::NotAnImage("PNG too large".into()))?;
        let mut buf = vec![0u8; size];
        let frame = reader
            .next_frame(&mut buf)
            .map_err(|e| ImageError::NotAnImage(format!("PNG: {e}")))?;
        buf.truncate(frame.buffer_size());
        let (w, h) = (frame.width, frame.height);
        let data = match frame.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::Rgb => buf
                .chunks_exact(3)
                .flat_map(|c| [c[0], c[1], c[2], 255])
                .collect(),
            png::ColorType::GrayscaleAlpha => buf
                .chunks_exact(2)
                .flat_map(|c| [c[0], c[0], c[0], c[1]])
                .collect(),
            png::ColorType::Grayscale => buf.iter().flat_map(|g| [*g, *g, *g, 255]).collect(),
            other => return Err(ImageError::NotAnImage(format!("PNG colour type {other:?}"))),
        };
        return Ok(Rgba {
            width: w,
            height: h,
            data,
            dpi,
        });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let mut dec = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
        let pixels = dec
            .decode()
            .map_err(|e| ImageError::NotAnImage(format!("JPEG: {e}")))?;
        let info = dec
            .info()
            .ok_or_else(|| ImageError::NotAnImage("JPEG without a header".into()))?;
        let data = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => pixels
                .chunks_exact(3)
                .flat_map(|c| [c[0], c[1], c[2], 255])
                .collect(),
            jpeg_decoder::PixelFormat::L8 => {
                pixels.iter().flat_map(|g| [*g, *g, *g, 255]).collect()
            }
            other => {
                return Err(ImageError::NotAnImage(format!(
                    "JPEG pixel format {other:?}"
                )));
            }
        };
        return Ok(Rgba {
            width: u32::from(info.width),
            height: u32::from(info.height),
            data,
            dpi: None,
        });
    }
    Err(ImageError::NotAnImage("neither PNG nor JPEG".into()))
}

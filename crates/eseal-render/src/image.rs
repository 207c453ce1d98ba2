//! Images (ImageObject's MultiMedia and seal pictures): PNG, JPEG, GIF and BMP through the
//! `image` crate with allocation limits, JBIG2 through hayro-jbig2 (both pure Rust). A size
//! is checked before any pixel is decoded.

use std::io::Cursor;
use std::sync::Arc;
use tiny_skia::{IntSize, Pixmap};

/// A decoded image.
#[derive(Debug)]
pub struct Picture {
    /// The pixels (premultiplied RGBA).
    pub pixmap: Pixmap,
    /// Scale smoothly (photographs) or keep hard edges (bi-level images: QR codes).
    pub smooth: bool,
    /// The original bytes and their MIME type when a browser can show them as they are.
    pub original: Option<(&'static str, Arc<Vec<u8>>)>,
}

/// Why an image is not drawn: (zh, en).
pub type Problem = (String, String);

const JBIG2_MAGIC: &[u8] = b"\x97JB2\r\n\x1a\n";

/// Decodes `bytes` (the format is found from the bytes; `hint` is the OFD `Format`), refusing
/// images of more than `max_pixels`.
pub fn decode(bytes: &[u8], hint: &str, max_pixels: u64) -> Result<Picture, Problem> {
    let hint = hint.to_ascii_uppercase();
    if bytes.starts_with(JBIG2_MAGIC) || matches!(hint.as_str(), "GBIG2" | "JBIG2" | "JB2") {
        return jbig2(bytes, max_pixels);
    }
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| {
            (
                "无法识别图像格式".to_owned(),
                format!("the image format is not recognised: {e}"),
            )
        })?;
    let Some(format) = reader.format() else {
        return Err((
            format!("不支持的图像格式（{hint}）"),
            format!("unsupported image format ({hint})"),
        ));
    };
    let mime = match format {
        image::ImageFormat::Png => Some("image/png"),
        image::ImageFormat::Jpeg => Some("image/jpeg"),
        image::ImageFormat::Gif => Some("image/gif"),
        image::ImageFormat::Bmp => Some("image/bmp"),
        _ => None,
    };
    let (w, h) = reader.into_dimensions().map_err(|e| {
        (
            "图像头无法读取".to_owned(),
            format!("the image header cannot be read: {e}"),
        )
    })?;
    too_big(w, h, max_pixels)?;
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ("无法识别图像格式".to_owned(), e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(max_pixels.saturating_mul(8).min(1 << 30));
    reader.limits(limits);
    let img = reader.decode().map_err(|e| {
        (
            "图像数据损坏，无法解码".to_owned(),
            format!("the image data cannot be decoded: {e}"),
        )
    })?;
    let rgba = img.to_rgba8();
    let size = IntSize::from_wh(rgba.width(), rgba.height()).ok_or_else(|| {
        (
            "图像尺寸为零".to_owned(),
            "the image has no pixels".to_owned(),
        )
    })?;
    let mut data = rgba.into_raw();
    premultiply(&mut data);
    let pixmap = Pixmap::from_vec(data, size).ok_or_else(|| {
        (
            "图像尺寸不对".to_owned(),
            "the image size is wrong".to_owned(),
        )
    })?;
    Ok(Picture {
        pixmap,
        smooth: true,
        original: mime.map(|m| (m, Arc::new(bytes.to_vec()))),
    })
}

fn too_big(w: u32, h: u32, max_pixels: u64) -> Result<(), Problem> {
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > max_pixels {
        return Err((
            format!("图像声称 {w}×{h} 像素，超出上限 {max_pixels} 像素，未绘制"),
            format!("the image claims {w}×{h} pixels, beyond the limit of {max_pixels}; not drawn"),
        ));
    }
    Ok(())
}

fn premultiply(data: &mut [u8]) {
    for px in data.chunks_exact_mut(4) {
        let a = u16::from(px[3]);
        if a < 255 {
            for c in &mut px[..3] {
                *c = u8::try_from(u16::from(*c) * a / 255).unwrap_or(255);
            }
        }
    }
}

/// Collects a JBIG2 page's pixels (black on white, opaque).
struct Bits {
    w: u32,
    data: Vec<u8>,
    x: u32,
}

impl hayro_jbig2::Decoder for Bits {
    fn push_pixel(&mut self, black: bool) {
        if self.x < self.w {
            let v = if black { 0 } else { 255 };
            self.data.extend_from_slice(&[v, v, v, 255]);
        }
        self.x += 1;
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count.saturating_mul(8) {
            self.push_pixel(black);
        }
    }
    fn next_line(&mut self) {
        // A short row is padded white so rows stay aligned.
        while self.x < self.w {
            self.push_pixel(false);
        }
        self.x = 0;
    }
}

fn jbig2(bytes: &[u8], max_pixels: u64) -> Result<Picture, Problem> {
    let bad = |e: hayro_jbig2::DecodeError| {
        (
            "JBIG2 图像数据损坏，无法解码".to_owned(),
            format!("the JBIG2 image cannot be decoded: {e:?}"),
        )
    };
    let settings = hayro_jbig2::DecodeSettings::default();
    let file;
    let embedded;
    let page = if bytes.starts_with(JBIG2_MAGIC) {
        file = hayro_jbig2::File::new(bytes, &settings).map_err(bad)?;
        file.page(0).ok_or_else(|| {
            (
                "JBIG2 图像没有页面".to_owned(),
                "the JBIG2 image has no page".to_owned(),
            )
        })?
    } else {
        embedded = hayro_jbig2::Page::new_embedded(bytes, None, &settings).map_err(bad)?;
        embedded
    };
    let (w, h) = (page.width(), page.height());
    too_big(w, h, max_pixels)?;
    let cap = usize::try_from(u64::from(w) * u64::from(h) * 4).unwrap_or(0);
    let mut bits = Bits {
        w,
        data: Vec::with_capacity(cap),
        x: 0,
    };
    page.decode(&mut bits).map_err(bad)?;
    bits.data.resize(cap, 255);
    let size = IntSize::from_wh(w, h).ok_or_else(|| {
        (
            "图像尺寸为零".to_owned(),
            "the image has no pixels".to_owned(),
        )
    })?;
    let pixmap = Pixmap::from_vec(bits.data, size).ok_or_else(|| {
        (
            "图像尺寸不对".to_owned(),
            "the image size is wrong".to_owned(),
        )
    })?;
    Ok(Picture {
        pixmap,
        smooth: false,
        original: None,
    })
}

/// Encodes premultiplied pixels as PNG (for SVG data URIs and the page output), with the
/// resolution in the pHYs chunk and text chunks (`Comment`: the notes of the page). Rows are
/// converted and compressed one at a time (a page is not copied whole); an opaque image (a
/// page on white paper) is written as RGB.
pub fn encode_png(
    pixmap: &Pixmap,
    dpi: Option<f32>,
    comments: &[String],
) -> Result<Vec<u8>, Problem> {
    use std::io::Write;
    let fail =
        |e: &dyn std::fmt::Display| ("PNG 编码失败".to_owned(), format!("PNG encoding: {e}"));
    let opaque = pixmap.pixels().iter().all(|p| p.alpha() == 255);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(if opaque {
            png::ColorType::Rgb
        } else {
            png::ColorType::Rgba
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        if let Some(dpi) = dpi {
            let ppm = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
        }
        for c in comments {
            enc.add_itxt_chunk("Comment".to_owned(), c.clone())
                .map_err(|e| fail(&e))?;
        }
        let mut writer = enc.write_header().map_err(|e| fail(&e))?;
        let mut stream = writer.stream_writer().map_err(|e| fail(&e))?;
        let width = pixmap.width() as usize;
        let mut row = Vec::with_capacity(width * 4);
        for line in pixmap.pixels().chunks(width.max(1)) {
            row.clear();
            for px in line {
                let c = px.demultiply();
                if opaque {
                    row.extend_from_slice(&[c.red(), c.green(), c.blue()]);
                } else {
                    row.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
                }
            }
            stream.write_all(&row).map_err(|e| fail(&e))?;
        }
        stream.finish().map_err(|e| fail(&e))?;
    }
    Ok(out)
}

//! The seal's picture as a PDF can draw it (issue 20): a JPEG embedded as it is (its size
//! and components read from its frame header), a PNG decoded to RGBA, within a pixel bound.

use crate::error::{DocError, SignStep, Text};
use eseal_pdf::Picture;

/// The largest seal picture drawn (pixels).
const MAX_PICTURE_PIXELS: u64 = 16 << 20;

/// The seal picture as a PDF can draw it: a JPEG as it is, a PNG decoded to RGBA.
pub(crate) fn picture(p: &eseal_ses::common::SesESPictrueInfo) -> Result<Picture, DocError> {
    use eseal_ses::common::PictureFormat as F;
    let refuse = |zh: String, en: String| DocError::Sign {
        step: SignStep::Seal,
        why: Text::new(zh, en),
    };
    match p.sniff() {
        F::Png => {
            let mut d = png::Decoder::new(std::io::Cursor::new(p.data.as_slice()));
            d.set_transformations(png::Transformations::normalize_to_color8());
            d.set_limits(png::Limits { bytes: 64 << 20 });
            let bad = |e: png::DecodingError| {
                refuse(
                    format!("印章图片（PNG）无法读取：{e}"),
                    format!("the seal picture (PNG) cannot be read: {e}"),
                )
            };
            let mut r = d.read_info().map_err(bad)?;
            let (w, h) = (r.info().width, r.info().height);
            if u64::from(w) * u64::from(h) > MAX_PICTURE_PIXELS {
                return Err(refuse(
                    format!("印章图片过大（{w}×{h} 像素）"),
                    format!("the seal picture is too large ({w}×{h} pixels)"),
                ));
            }
            let mut buf = vec![0u8; r.output_buffer_size().unwrap_or(0)];
            let frame = r.next_frame(&mut buf).map_err(bad)?;
            let data = buf.get(..frame.buffer_size()).unwrap_or_default();
            let mut pixels = Vec::with_capacity((w as usize) * (h as usize) * 4);
            match frame.color_type {
                png::ColorType::Rgba => pixels.extend_from_slice(data),
                png::ColorType::Rgb => {
                    for c in data.chunks_exact(3) {
                        pixels.extend_from_slice(c);
                        pixels.push(255);
                    }
                }
                png::ColorType::GrayscaleAlpha => {
                    for c in data.chunks_exact(2) {
                        let (g, a) = (
                            c.first().copied().unwrap_or(0),
                            c.get(1).copied().unwrap_or(255),
                        );
                        pixels.extend_from_slice(&[g, g, g, a]);
                    }
                }
                png::ColorType::Grayscale => {
                    for g in data {
                        pixels.extend_from_slice(&[*g, *g, *g, 255]);
                    }
                }
                png::ColorType::Indexed => {
                    return Err(refuse(
                        "印章图片（PNG）的调色板未能展开".to_owned(),
                        "the seal picture's (PNG) palette was not expanded".to_owned(),
                    ));
                }
            }
            Ok(Picture::Rgba {
                width: w,
                height: h,
                pixels,
            })
        }
        F::Jpeg => {
            let (width, height, components) = jpeg_frame(&p.data).ok_or_else(|| {
                refuse(
                    "印章图片（JPEG）没有可读的帧头".to_owned(),
                    "the seal picture (JPEG) has no readable frame header".to_owned(),
                )
            })?;
            Ok(Picture::Jpeg {
                data: p.data.clone(),
                width,
                height,
                components,
            })
        }
        other => Err(refuse(
            format!("印章图片格式 {other:?} 须由调用方绘制后再盖到 PDF 上（PNG、JPEG 可直接使用）"),
            format!(
                "a seal picture in {other:?} must be drawn by the caller for a PDF (PNG and JPEG are used as they are)"
            ),
        )),
    }
}

/// A JPEG's size and components, from its frame header (SOF0–SOF15 but DHT/JPG/DAC).
fn jpeg_frame(data: &[u8]) -> Option<(u32, u32, u8)> {
    let mut i = 2;
    while i + 4 <= data.len() {
        if data.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *data.get(i + 1)?;
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]));
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([*data.get(i + 5)?, *data.get(i + 6)?]);
            let w = u16::from_be_bytes([*data.get(i + 7)?, *data.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h), *data.get(i + 9)?));
        }
        i += 2 + len;
    }
    None
}

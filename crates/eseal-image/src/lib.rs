#![doc = include_str!("../README.md")]

pub mod compare;
pub mod error;
pub mod font;
pub mod output;
pub mod path;
pub mod render;

pub use compare::{Comparison, compare_images};
pub use error::ImageError;
pub use font::Font;
pub use output::{RasterOptions, Rgba, decode, encode_png};
pub use render::{Impression, ImpressionSpec, Style, render};

//! A multipart form read whole before anything is done with it (the router's body limit
//! bounds it): each handler then takes its fields by name. Nothing is recorded from a form that
//! did not arrive whole.

use axum::extract::Multipart;
use axum::http::StatusCode;

/// Most fields a form may carry.
const MAX_FIELDS: usize = 64;

/// Why a form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Past the size limit.
    TooLarge,
    /// Cut short or malformed.
    Incomplete,
}

impl Trouble {
    /// The status it is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Trouble::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Trouble::Incomplete => StatusCode::BAD_REQUEST,
        }
    }
}

/// A form's fields, in order.
#[derive(Debug, Default)]
pub struct Upload {
    /// (field name, file name, bytes).
    fields: Vec<(String, String, Vec<u8>)>,
}

fn trouble(e: &axum::extract::multipart::MultipartError) -> Trouble {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || e.body_text().contains("length limit") {
        Trouble::TooLarge
    } else {
        Trouble::Incomplete
    }
}

impl Upload {
    /// Reads every field.
    pub async fn read(parts: &mut Multipart) -> Result<Upload, Trouble> {
        let mut up = Upload::default();
        loop {
            match parts.next_field().await {
                Ok(Some(field)) => {
                    if up.fields.len() >= MAX_FIELDS {
                        return Err(Trouble::Incomplete);
                    }
                    let name = field.name().unwrap_or_default().to_owned();
                    let file = field.file_name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.map_err(|e| trouble(&e))?;
                    up.fields.push((name, file, bytes.to_vec()));
                }
                Ok(None) => return Ok(up),
                Err(e) => return Err(trouble(&e)),
            }
        }
    }

    /// A text field (trimmed; "" when absent).
    pub fn text(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, v)| String::from_utf8_lossy(v).trim().to_owned())
            .unwrap_or_default()
    }

    /// A file field, when a non-empty file was given.
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        self.fields
            .iter()
            .find(|(n, _, v)| n == name && !v.is_empty())
            .map(|(_, _, v)| v.clone())
    }

    /// Every non-empty file of a field (`multiple`), with the name the browser gave it
    /// (only its last path part; "" when none).
    pub fn files(&self, name: &str) -> Vec<(String, Vec<u8>)> {
        self.fields
            .iter()
            .filter(|(n, _, v)| n == name && !v.is_empty())
            .map(|(_, f, v)| {
                let base = f.rsplit(['/', '\\']).next().unwrap_or_default();
                (
                    base.chars().filter(|c| !c.is_control()).take(200).collect(),
                    v.clone(),
                )
            })
            .collect()
    }
}

impl Upload {
    /// A multipart form of a logged-in user, read whole and checked: a page saying
    /// `nothing` (what was not done, Chinese and English) when it arrived cut short or over
    /// the limit; refused and audited when its token is not this visitor's; the login page
    /// when nobody is logged in. Nothing is done before all three pass.
    pub async fn read_checked<'c>(
        parts: &mut Multipart,
        ctx: &'c super::Ctx,
        s: &crate::state::AppState,
        nothing: (&str, &str),
    ) -> Result<(Upload, &'c crate::auth::Caller), axum::response::Response> {
        let up = Upload::read(parts).await.map_err(|t| {
            let why = match ctx.lang {
                super::Lang::Zh => format!("上传未完成或超过 20 MB，{}", nothing.0),
                super::Lang::En => {
                    format!("The upload did not complete or passed 20 MB; {}", nothing.1)
                }
            };
            ctx.refusal(t.status(), &why)
        })?;
        let c = ctx.form_caller(s, &up.text("csrf")).await?;
        Ok((up, c))
    }
}

//! The registry service's applications: identity materials, applications (申请), their review
//! (审核) and the making (制章) of the seal (R-APP-1, R-REV-1, R-MAKE-1..4, R-CHG-1).

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::{Failure, Result, Thing};
use crate::making::{self, KeySource, MakeInput};
use crate::state::AppState;
use crate::{registry, views};
use eseal_core::{
    Application, ApplicationState, DomainError, Material, MaterialKind, Purpose, RevocationReason,
    Seal, SealKind, SealState, Sm3Hex,
};
use serde::Deserialize;

/// The registry: applications, review and making. Made by [`AppState::registry`].
#[derive(Clone, Copy)]
pub struct Registry<'a> {
    pub(super) s: &'a AppState,
}

/// A new application (a draft).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct NewApplication {
    /// The kind of seal.
    pub kind: SealKind,
    /// The name on the seal (印文).
    pub seal_name: String,
    /// The organisation's USCC (official and position seals).
    pub organisation_code: Option<String>,
    /// The holder's citizen ID (position and personal seals).
    pub holder_id: Option<String>,
    /// New, change, renewal …
    #[serde(default = "new_purpose")]
    pub purpose: Purpose,
}

fn new_purpose() -> Purpose {
    Purpose::New
}

/// Where the key of a seal being made comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyChoice {
    /// The platform makes the key and keeps it under the holder's PIN; the CA certifies it.
    Platform,
    /// The holder's device (USB key) holds it; its certificate is given.
    Device,
}

/// How to make the seal of an approved application.
#[derive(Debug, Clone)]
pub struct MakeSeal {
    /// Where the key comes from.
    pub key: KeyChoice,
    /// The device's certificate (PEM or DER), for [`KeyChoice::Device`] only.
    pub certificate: Option<Vec<u8>>,
    /// The applicant's impression (PNG/JPEG), compared with the registered one or used as is.
    pub impression: Option<Vec<u8>>,
    /// For a platform-held key: the initial PIN handed to the holder.
    pub pin: Option<String>,
}

const APPLICATION_STATES: [&str; 5] = ["draft", "submitted", "rejected", "approved", "made"];

impl std::fmt::Debug for Registry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registry")
    }
}

impl AppState {
    /// The registry service acting on this state.
    pub fn registry(&self) -> Registry<'_> {
        Registry { s: self }
    }
}

fn staff(c: &Caller) -> bool {
    super::roles::READ_ALL_APPLICATIONS
        .iter()
        .any(|r| c.has(*r))
}

impl Registry<'_> {
    /// Stores an identity material, encrypted, under its SM3; the same file stored twice is
    /// one material.
    pub async fn upload_material(
        &self,
        actor: &Caller,
        file: &[u8],
    ) -> Result<views::StoredMaterial> {
        require(actor, UPLOAD_MATERIAL)?;
        if file.is_empty() {
            return Err(Failure::invalid(
                "body",
                "材料文件为空",
                "the material file is empty",
            ));
        }
        let s = self.s;
        let sealed = eseal_core::material::seal(s.data_key(), s.random(), file)?;
        s.store().put_material(&sealed, s.now()).await?;
        Ok(views::StoredMaterial {
            sm3: sealed.sm3.to_hex(),
            size: file.len(),
        })
    }

    /// A material, decrypted, for review or making.
    pub async fn material(&self, actor: &Caller, sm3: &str) -> Result<Vec<u8>> {
        require(actor, READ_MATERIAL)?;
        let digest = hex::decode(sm3)
            .ok()
            .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b))
            .ok_or_else(|| {
                Failure::invalid("sm3", "不是十六进制的 SM3 摘要", "not an SM3 digest in hex")
            })?;
        let blob = self
            .s
            .store()
            .material(sm3)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Material, sm3))?;
        eseal_core::material::open(self.s.data_key(), &digest, &blob)
            .map_err(|e| Failure::internal(format!("material {sm3}: {e}")))
    }

    /// Creates a draft application by `actor`, its parties named as registered (R-MAKE-4).
    /// A change names an active seal of the same kind and organisation; a renewal or
    /// revocation names an active seal and describes it exactly as it is (kind, name,
    /// organisation, holder), so the seal's ID alone tells an applicant nothing.
    pub async fn create_application(
        &self,
        actor: &Caller,
        new: NewApplication,
    ) -> Result<Application> {
        require(actor, APPLY)?;
        let s = self.s;
        let id = format!("AP{}", &making::new_seal_id(s.random())?[2..]);
        let mut app = Application::new(
            &id,
            &actor.user,
            new.kind,
            &new.seal_name,
            new.organisation_code.as_deref(),
            new.holder_id.as_deref(),
            new.purpose,
        )?;
        if let Some(target) = app.purpose.seal() {
            let seal = s
                .store()
                .get::<Seal>(target)
                .await?
                .ok_or_else(|| Failure::not_found(Thing::Seal, target))?
                .record;
            applies_to(&app, &seal, s.now())?;
        }
        let organisation = match &app.organisation_code {
            Some(code) => s
                .store()
                .get::<eseal_core::Organisation>(code)
                .await?
                .map(|o| o.record),
            None => None,
        };
        let holder = match &app.holder_id {
            Some(id) => s
                .store()
                .get::<eseal_core::Person>(id)
                .await?
                .map(|p| p.record),
            None => None,
        };
        app.name_parties(organisation.as_ref(), holder.as_ref())?;
        registry::create_application(s.store(), &app, s.now()).await?;
        Ok(app)
    }

    /// A page of the applications in `state` (the agency's staff; submitted ones by default),
    /// or of the applicant's own (in `state` when given). Staff may search within the state
    /// (`q`): by the organisation's unified social credit code or the applicant's user name.
    pub async fn applications(
        &self,
        actor: &Caller,
        state: Option<&str>,
        q: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<Application>> {
        require(actor, READ_APPLICATIONS)?;
        if let Some(st) = state
            && !APPLICATION_STATES.contains(&st)
        {
            return Err(Failure::invalid(
                "state",
                "须为 draft、submitted、rejected、approved、made 之一",
                "one of draft, submitted, rejected, approved, made",
            ));
        }
        let q = super::list::search_text(q)?;
        let mut filters: Vec<(&'static str, &str)> = Vec::new();
        let uscc;
        if staff(actor) {
            filters.push(("state", state.unwrap_or("submitted")));
            if let Some(q) = q {
                uscc = q.to_ascii_uppercase();
                if eseal_core::Uscc::parse("q", &uscc).is_ok() {
                    filters.push(("organisation_code", &uscc));
                } else {
                    filters.push(("applicant", q));
                }
            }
        } else {
            filters.push(("applicant", &actor.user));
            if let Some(st) = state {
                filters.push(("state", st));
            }
        }
        let rows = self
            .s
            .store()
            .find_page_where::<Application>(&filters, &page.after, page.limit())
            .await?;
        Ok(super::Listed::of(
            rows,
            page,
            |a| a.id.clone(),
            |_| true,
            |a| a,
        ))
    }

    /// One application `actor` may see: staff see all, an applicant only their own (for anyone
    /// else it does not exist).
    pub async fn application(&self, actor: &Caller, id: &str) -> Result<Application> {
        require(actor, READ_APPLICATIONS)?;
        let app = self
            .s
            .store()
            .get::<Application>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Application, id))?
            .record;
        if !staff(actor) && app.applicant != actor.user {
            return Err(Failure::not_found(Thing::Application, id));
        }
        Ok(app)
    }

    /// A step of the applicant on their own application.
    async fn own_step<F>(&self, actor: &Caller, id: &str, step: F) -> Result<Application>
    where
        F: FnOnce(&mut Application) -> std::result::Result<(), DomainError>,
    {
        require(actor, APPLY)?;
        let app = self.application(actor, id).await?;
        if app.applicant != actor.user {
            return Err(Failure::not_found(Thing::Application, id));
        }
        Ok(registry::update_application(self.s.store(), id, self.s.now(), step).await?)
    }

    /// Attaches an uploaded material to the applicant's draft.
    pub async fn add_material(
        &self,
        actor: &Caller,
        id: &str,
        kind: MaterialKind,
        sm3: &str,
    ) -> Result<Application> {
        require(actor, APPLY)?;
        let sm3 = uploaded(self.s, "sm3", sm3).await?;
        self.own_step(actor, id, |a| a.add_material(Material { kind, sm3 }))
            .await
    }

    /// Submits the applicant's draft for review.
    pub async fn submit(&self, actor: &Caller, id: &str) -> Result<Application> {
        let now = self.s.now();
        self.own_step(actor, id, |a| a.submit(now)).await
    }

    /// Approves a submitted application (never one's own).
    pub async fn approve(
        &self,
        actor: &Caller,
        id: &str,
        seen: Option<&str>,
    ) -> Result<Application> {
        require(actor, REVIEW)?;
        self.unchanged_application(actor, id, seen).await?;
        Ok(
            registry::update_application(self.s.store(), id, self.s.now(), |a| {
                a.approve(&actor.user)
            })
            .await?,
        )
    }

    /// Rejects a submitted application with a reason the applicant reads.
    pub async fn reject(
        &self,
        actor: &Caller,
        id: &str,
        reason: &str,
        seen: Option<&str>,
    ) -> Result<Application> {
        require(actor, REVIEW)?;
        self.unchanged_application(actor, id, seen).await?;
        Ok(
            registry::update_application(self.s.store(), id, self.s.now(), |a| {
                a.reject(&actor.user, reason)
            })
            .await?,
        )
    }

    /// Refuses a decision taken on a page drawn before the application last changed (`seen`:
    /// its [`super::etag`] then). A change between this check and the write is caught by the
    /// store's version check.
    async fn unchanged_application(
        &self,
        actor: &Caller,
        id: &str,
        seen: Option<&str>,
    ) -> Result<()> {
        if seen.is_some() {
            let current = self.application(actor, id).await?;
            super::list::unchanged(&current, seen, Thing::Application, id)?;
        }
        Ok(())
    }

    /// An impression in the standard style of the seal's kind, drawn from its name (when
    /// the police hold none for it and the applicant gave none): a personal seal square
    /// (2–4 characters), a position seal rectangular, an official seal round with its name on
    /// the arc. PNG at 300 dpi, with the installed CJK font (fonts-noto-cjk).
    /// For applicants (a preview while applying) and makers.
    pub fn standard_impression(
        &self,
        actor: &Caller,
        kind: &SealKind,
        name: &str,
    ) -> Result<Vec<u8>> {
        use eseal_image::{ImpressionSpec, Style};
        require(actor, DRAW_IMPRESSION)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Failure::invalid(
                "seal_name",
                "印章名称须为 1 到 120 个字符",
                "the name on the seal: 1 to 120 characters",
            ));
        }
        static FONT: std::sync::OnceLock<Option<eseal_image::Font>> = std::sync::OnceLock::new();
        let font = FONT
            .get_or_init(|| {
                eseal_image::font::DEFAULT_FONT_PATHS
                    .iter()
                    .find_map(|p| std::fs::read(p).ok())
                    .and_then(|b| eseal_image::Font::from_bytes(b).ok())
            })
            .as_ref()
            .ok_or_else(|| {
                Failure::unprocessable(
                    "no_font",
                    "服务器未安装中文字体（fonts-noto-cjk），无法生成印模；请上传印模",
                    "no CJK font is installed (fonts-noto-cjk) to draw the impression; upload one",
                )
            })?;
        let spec = match kind {
            SealKind::Personal => {
                let chars = name.chars().count();
                let text = if chars == 2 || chars == 3 {
                    format!("{name}印")
                } else {
                    name.to_owned()
                };
                ImpressionSpec::new(Style::Square, &text)
            }
            SealKind::Position(_) => ImpressionSpec::new(Style::Rect, name),
            SealKind::Official(_) => ImpressionSpec::new(Style::Round, name),
        };
        let bad = |e: eseal_image::ImageError| {
            Failure::invalid(
                "seal_name",
                format!("无法按标准样式绘制印模：{}", e.zh()),
                format!("the impression cannot be drawn in the standard style: {e}"),
            )
        };
        eseal_image::render(&spec, font)
            .map_err(bad)?
            .to_png(300)
            .map_err(bad)
    }

    /// The impression an application of `kind` for the organisation `uscc` will be made with,
    /// for the applicant to see while applying (and makers): the one registered with the
    /// police when the kind needs one and the police hold it (fetched through the police
    /// connector), else the standard style drawn from `name`. Impressions are what every
    /// stamped document shows, not secrets; the call is for these roles only.
    pub async fn impression_preview(
        &self,
        actor: &Caller,
        kind: &SealKind,
        name: &str,
        uscc: Option<&str>,
    ) -> Result<(Vec<u8>, bool)> {
        require(actor, DRAW_IMPRESSION)?;
        let uscc = uscc
            .map(|u| u.trim().to_ascii_uppercase())
            .filter(|u| eseal_core::Uscc::parse("organisation_code", u).is_ok());
        if let Some(png) = self.registered_impression(kind, uscc.as_deref()).await? {
            return Ok((png, true));
        }
        Ok((self.standard_impression(actor, kind, name)?, false))
    }

    /// The impression registered with the police for an official or legal-representative seal.
    pub async fn registered_impression(
        &self,
        seal_kind: &SealKind,
        uscc: Option<&str>,
    ) -> Result<Option<Vec<u8>>> {
        let Some(uscc) = uscc else { return Ok(None) };
        if !seal_kind.needs_registered_impression() {
            return Ok(None);
        }
        self.s
            .police()
            .registered_impression(uscc, seal_kind)
            .await
            .map_err(|e| {
                Failure::connector(
                    format!("从公安系统获取备案印模失败：{}", e.zh()),
                    format!("fetching the registered impression: {e}"),
                )
            })
    }

    /// Makes the seal of an approved application: the impression (the registered one where
    /// the police hold one), the key and its certificate, the seal data signed by the maker;
    /// stores them, records the seal and queues its filing (备案). For a change the old seal
    /// is revoked as replaced, at the CA too.
    pub async fn make(&self, actor: &Caller, id: &str, how: MakeSeal) -> Result<views::Made> {
        require(actor, MAKE)?;
        let s = self.s;
        let now = s.now();
        let app = s
            .store()
            .get::<Application>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Application, id))?
            .record;
        approved(&app, "making the seal")?;
        if !app.purpose.makes_a_seal() {
            return Err(Failure::conflict(
                "illegal_transition",
                "续期和注销申请不制作新印章，请办理该申请",
                "a renewal or revocation application makes no seal: carry it out",
            ));
        }
        let registered = self
            .registered_impression(&app.kind, app.organisation_code.as_deref())
            .await?;
        let key = match (how.key, how.certificate) {
            (KeyChoice::Platform, None) => KeySource::Platform,
            (KeyChoice::Platform, Some(_)) => {
                return Err(Failure::invalid(
                    "certificate",
                    "平台密钥由 CA 签发证书，不要提供证书",
                    "a platform key is certified by the CA; give no certificate",
                ));
            }
            (KeyChoice::Device, Some(c)) => KeySource::Device(c),
            (KeyChoice::Device, None) => {
                return Err(Failure::invalid(
                    "certificate",
                    "设备密钥须提供设备的证书（PEM）",
                    "a device key needs the device's certificate (PEM)",
                ));
            }
        };
        let trust = s.pki().trust(now)?;
        let issuer = crate::devpki::Issuer {
            pki: s.pki(),
            random: s.random(),
        };
        let mut made = making::make(
            MakeInput {
                app: &app,
                registered,
                applicant_impression: how.impression,
                key,
                now,
                seal_id: None,
            },
            &s.pki().maker(),
            &issuer,
            &trust,
            s.random(),
        )?;
        let key = crate::seals::store_artefacts(s, &mut made, how.pin.as_deref()).await?;
        registry::issue(s.store(), id, &made.seal, key.as_ref(), now).await?;
        if let Purpose::Change { old } = &app.purpose {
            let serial = crate::seals::load_seal(s, old)
                .await?
                .record
                .certificate_serial;
            s.pki().revoke(&serial, RevocationReason::Replaced, now)?;
        }
        Ok(views::Made {
            seal: views::SealView::of(&made.seal, now),
            comparison: made.comparison,
        })
    }

    /// Carries out an approved renewal or revocation application (办理续期、注销) on its seal:
    /// a renewal as [`Registry::renew`] does (`how`: the new key's initial PIN or the device's
    /// new certificate), a revocation for the reason applied for with the application's
    /// materials as its proof. The application is marked done in the same transaction as the
    /// seal's change and its filing.
    pub async fn carry_out(
        &self,
        actor: &Caller,
        id: &str,
        how: super::Renewal,
    ) -> Result<views::SealView> {
        require(actor, CARRY_OUT)?;
        let app = self
            .s
            .store()
            .get::<Application>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Application, id))?
            .record;
        match &app.purpose {
            Purpose::Renewal { seal } => {
                require(actor, RENEW)?;
                approved(&app, "renewing")?;
                self.renew_seal(seal.as_str(), how, Some(id)).await
            }
            Purpose::Revocation { seal, reason } => {
                require(actor, REVOKE)?;
                approved(&app, "revoking")?;
                if how.pin.is_some() || how.certificate.is_some() {
                    return Err(Failure::invalid(
                        "pin",
                        "注销不需要口令或证书",
                        "a revocation takes no PIN or certificate",
                    ));
                }
                self.revoke_seal(seal.as_str(), *reason, &app.materials, Some(id))
                    .await
            }
            Purpose::New | Purpose::Change { .. } => Err(Failure::conflict(
                "illegal_transition",
                "该申请制作新印章，请使用制章",
                "this application makes a new seal: make it",
            )),
        }
    }
}

/// Refuses `action` on an application not (yet, or any longer) approved.
fn approved(app: &Application, action: &'static str) -> Result<()> {
    if matches!(app.state, ApplicationState::Approved { .. }) {
        return Ok(());
    }
    Err(DomainError::IllegalTransition {
        what: "application",
        state: app.state.name().to_owned(),
        action,
    }
    .into())
}

/// Whether `app` may act on `seal`, the one its purpose names: the seal is active; a change
/// keeps its kind and organisation; a renewal or revocation describes it exactly (the same
/// answer for every difference); a renewal falls in the renewal window; a revocation's
/// reason is not a replacement (that is what a change does).
fn applies_to(app: &Application, seal: &Seal, now: time::OffsetDateTime) -> Result<()> {
    let (zh, en) = app.purpose.describe();
    if seal.state != SealState::Active {
        return Err(Failure::conflict(
            "illegal_transition",
            format!("印章 {} 已注销，不能申请{zh}", seal.id),
            format!("seal {} is revoked: no {en} can be applied for", seal.id),
        ));
    }
    match &app.purpose {
        Purpose::New => {}
        Purpose::Change { .. } => {
            if seal.kind != app.kind || seal.organisation_code != app.organisation_code {
                return Err(Failure::invalid(
                    "purpose.old",
                    "变更不能改变印章的类型和所属单位",
                    "a change keeps the seal's kind and organisation",
                ));
            }
        }
        Purpose::Renewal { .. } | Purpose::Revocation { .. } => {
            if seal.kind != app.kind
                || seal.name != app.seal_name
                || seal.organisation_code != app.organisation_code
                || seal.holder_id != app.holder_id
            {
                return Err(Failure::invalid(
                    "purpose.seal",
                    format!(
                        "印章种类、名称、单位或持有人与印章 {} 的登记不一致",
                        seal.id
                    ),
                    format!(
                        "the kind, name, organisation or holder differ from those registered for seal {}",
                        seal.id
                    ),
                ));
            }
        }
    }
    match &app.purpose {
        Purpose::Renewal { .. } => {
            seal.clone()
                .renew(now, "-", now, seal.valid_to + time::Duration::days(1))?;
        }
        Purpose::Revocation {
            reason: RevocationReason::Replaced,
            ..
        } => {
            return Err(Failure::invalid(
                "purpose.reason",
                "被新印章取代的印章在制作变更申请的新印章时注销，请申请变更",
                "a seal is replaced when the seal of a change application is made: apply for a change",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// The digest of a material already uploaded, or why `sm3` names none: not a digest, or no
/// upload under it. The one check for every operation that cites materials (applications,
/// revocation proof, PIN-reset proof); `field` names the input in the error.
pub(crate) async fn uploaded(s: &AppState, field: &'static str, sm3: &str) -> Result<Sm3Hex> {
    let sm3 = Sm3Hex::parse(field, sm3)?;
    if s.store().material(&sm3).await?.is_none() {
        return Err(Failure::invalid(
            field,
            format!("没有 SM3 为 {sm3} 的已上传材料，请先上传到 /api/v1/materials"),
            format!("no uploaded material has SM3 {sm3}; upload it to /api/v1/materials first"),
        ));
    }
    Ok(sm3)
}

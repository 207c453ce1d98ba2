//! A user changing their own password.

use super::*;

/// Changes `username`'s password: the current one must be right (a wrong one counts like a
/// failed login towards the lockout), the new one must follow the policy and differ from it.
/// Clears [`User::must_change_password`]. When it was set (the administrator chose the
/// password and saw the TOTP secret), a new TOTP secret of the user's own is made too and
/// returned: it replaces the administrator's once a code from it is entered
/// ([`confirm_totp`]), so that nobody but the user holds either factor.
pub async fn change_password(
    store: &Store,
    key: &DataKey,
    username: &str,
    current: &str,
    new: &str,
    now: OffsetDateTime,
    random: &dyn SecureRandom,
) -> Result<Option<Enrolment>, Failure> {
    if current.len() > MAX_SECRET_BYTES || new.len() > MAX_SECRET_BYTES {
        return Err(Failure::invalid(
            "password",
            "密码过长",
            "the password is too long",
        ));
    }
    let v = store
        .get::<User>(username)
        .await?
        .ok_or_else(|| Failure::unauthenticated("该用户已不存在", "the user no longer exists"))?;
    let (mut user, version) = (v.record, v.version);
    if !password_check(current, &user.password_hash).await {
        failed(store, &mut user, version, now).await?;
        return Err(Failure::invalid(
            "current_password",
            "原密码不正确，密码未修改",
            "the current password is wrong; the password was not changed",
        ));
    }
    if current == new {
        return Err(Failure::invalid(
            "new_password",
            "新密码须与原密码不同",
            "the new password must differ from the current one",
        ));
    }
    check_password_policy(new)?;
    user.password_hash = hash_password(new, random)?;
    let enrolment = if user.must_change_password {
        let secret: [u8; 20] = random_bytes(random)?;
        user.pending_totp = Some(seal_secret(key, random, &secret)?);
        Some(enrolment(username, &secret))
    } else {
        None
    };
    user.must_change_password = false;
    user.failures = 0;
    store
        .commit(Batch::new().update(&user, version)?, now)
        .await?;
    Ok(enrolment)
}

/// The TOTP enrolment waiting for `user`'s confirmation, if any (shown again until then).
pub fn pending_enrolment(user: &User, key: &DataKey) -> Option<Enrolment> {
    let secret = open_secret(user.pending_totp.as_deref()?, key)?;
    Some(enrolment(&user.username, &secret))
}

/// Replaces `username`'s TOTP secret by the pending one when `code` is a current code of it
/// (a wrong code counts like a failed login towards the lockout).
pub async fn confirm_totp(
    store: &Store,
    key: &DataKey,
    username: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    let v = store
        .get::<User>(username)
        .await?
        .ok_or_else(|| Failure::unauthenticated("该用户已不存在", "the user no longer exists"))?;
    let (mut user, version) = (v.record, v.version);
    let Some(pending) = user.pending_totp.clone() else {
        return Err(Failure::invalid(
            "totp",
            "没有待绑定的身份验证器",
            "no authenticator is waiting to be confirmed",
        ));
    };
    let secret = open_secret(&pending, key).ok_or_else(|| {
        Failure::internal(format!("{username}: pending TOTP secret does not open"))
    })?;
    let step = totp_step(now);
    let code = code.trim();
    // The new secret has never been used: the old one's last step does not bar it (the
    // login that led here may have used this very step); from now on it does.
    let accepted = (step - 1..=step + 1)
        .find(|s| code.len() <= 16 && totp_code(&secret, *s) == code)
        .map(|s| s.max(user.totp_last_step));
    let Some(accepted) = accepted else {
        failed(store, &mut user, version, now).await?;
        return Err(Failure::invalid(
            "totp",
            "动态口令不正确：请输入身份验证器中新添加的这一项当前显示的 6 位数字",
            "the code is wrong: enter the 6 digits the authenticator shows now for the entry just added",
        ));
    };
    user.totp_last_step = accepted;
    user.totp_secret = pending;
    user.pending_totp = None;
    user.failures = 0;
    store
        .commit(Batch::new().update(&user, version)?, now)
        .await?;
    Ok(())
}

/// Counts a wrong password or code of a logged-in user like a failed login: the account
/// locks for [`LOCKOUT`] after [`MAX_FAILURES`] in a row.
async fn failed(
    store: &Store,
    user: &mut User,
    version: i64,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    user.failures += 1;
    if user.failures >= MAX_FAILURES {
        user.locked_until = (now + LOCKOUT).unix_timestamp();
        user.failures = 0;
    }
    store
        .commit(Batch::new().update(user, version)?, now)
        .await?;
    Ok(())
}

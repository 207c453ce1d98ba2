//! A user changing their own password.

use super::*;

/// Changes `username`'s password: the current one must be right (a wrong one counts like a
/// failed login towards the lockout), the new one must follow the policy and differ from it.
/// Clears [`User::must_change_password`].
pub async fn change_password(
    store: &Store,
    username: &str,
    current: &str,
    new: &str,
    now: OffsetDateTime,
    random: &dyn SecureRandom,
) -> Result<(), Failure> {
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
        user.failures += 1;
        if user.failures >= MAX_FAILURES {
            user.locked_until = (now + LOCKOUT).unix_timestamp();
            user.failures = 0;
        }
        store
            .commit(Batch::new().update(&user, version)?, now)
            .await?;
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
    user.must_change_password = false;
    user.failures = 0;
    store
        .commit(Batch::new().update(&user, version)?, now)
        .await?;
    Ok(())
}

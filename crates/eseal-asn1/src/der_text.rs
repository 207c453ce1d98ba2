//! The `der` crate's decoding errors in words a reader understands, in Chinese and English.
//! Its own `Display` is English only; reports and errors shown to people need both.

/// What a `der` decoding error means, in Chinese and in English, with the byte position when
/// the decoder knows it. `what` names the structure being read (`X.509 certificate`).
pub fn describe(what: &str, e: &der::Error) -> (String, String) {
    use der::ErrorKind as K;
    let (zh, en): (String, String) = match e.kind() {
        K::DateTime => ("时间值无效".into(), "an invalid date or time".into()),
        K::Incomplete {
            expected_len,
            actual_len,
        } => (
            format!("数据不完整（需要 {expected_len} 字节，只有 {actual_len} 字节）"),
            format!("the input is incomplete ({expected_len} bytes needed, {actual_len} present)"),
        ),
        K::IndefiniteLength => (
            "使用了 DER 不允许的不定长编码".into(),
            "an indefinite length, which DER does not allow".into(),
        ),
        K::Length { tag } => (
            format!("{tag} 的长度不正确"),
            format!("the length of a {tag} is wrong"),
        ),
        K::NestingDepth => ("嵌套过深".into(), "nested too deep".into()),
        K::Noncanonical { tag } => (
            format!("{tag} 的编码不是 DER 规范编码"),
            format!("a {tag} that is not in canonical DER"),
        ),
        K::OidMalformed => (
            "对象标识符无法解码".into(),
            "an object identifier that cannot be decoded".into(),
        ),
        K::SetOrdering => (
            "SET OF 的元素未按 DER 规定排序".into(),
            "the elements of a SET OF are not in DER order".into(),
        ),
        K::Overflow | K::Overlength => (
            "长度超出范围".into(),
            "a length that is out of range".into(),
        ),
        K::TagUnexpected {
            expected: Some(expected),
            actual,
        } => (
            format!("此处应为 {expected}，实为 {actual}"),
            format!("{expected} expected here, {actual} found"),
        ),
        K::TagUnexpected {
            expected: None,
            actual,
        } => (
            format!("此处不应出现 {actual}"),
            format!("{actual} is not expected here"),
        ),
        K::TagUnknown { byte } => (
            format!("未知的标签 0x{byte:02X}"),
            format!("an unknown tag 0x{byte:02X}"),
        ),
        K::TrailingData { remaining, .. } => (
            format!("结构之后还有 {remaining} 字节多余数据"),
            format!("{remaining} bytes of trailing data after the structure"),
        ),
        K::Utf8(_) => (
            "字符串不是有效的 UTF-8".into(),
            "a string that is not valid UTF-8".into(),
        ),
        K::Value { tag } => (format!("{tag} 的值无效"), format!("an invalid {tag} value")),
        _ => (
            "编码不符合 DER 规定".into(),
            "an encoding that does not follow DER".into(),
        ),
    };
    match e.position() {
        Some(p) => (
            format!("{what}：{zh}（第 {p} 字节）"),
            format!("{what}: {en} at byte {p}"),
        ),
        None => (format!("{what}：{zh}"), format!("{what}: {en}")),
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;

    #[test]
    fn a_truncated_value_is_described_in_both_languages_with_its_position() {
        let e = der::asn1::OctetString::from_der(&[0x04, 0x05, 0x01]).unwrap_err();
        let (zh, en) = super::describe("X.509 证书", &e);
        assert!(zh.starts_with("X.509 证书："), "{zh}");
        assert!(zh.contains("不完整") || zh.contains("长度"), "{zh}");
        assert!(!zh.contains("Incomplete"), "{zh}");
        assert!(en.contains("X.509 证书: "), "{en}");
    }

    #[test]
    fn a_wrong_tag_names_both_tags() {
        let e = der::asn1::OctetString::from_der(&[0x02, 0x01, 0x01]).unwrap_err();
        let (zh, en) = super::describe("x", &e);
        assert!(
            zh.contains("OCTET STRING") && zh.contains("INTEGER"),
            "{zh}"
        );
        assert!(en.contains("expected"), "{en}");
    }
}

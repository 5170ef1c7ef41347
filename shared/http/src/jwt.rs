//! The contract's JWTs (section 3): HS256, header `{"alg":"HS256","typ":"JWT"}`, claims in the
//! order `sub`, `token_type`, `exp` (integer seconds). Decoding checks the signature, and the
//! time claims when present, as the original's PyJWT does: `exp` and `nbf` with no leeway, and
//! `iat` at most [`IAT_LEEWAY_SECONDS`] ahead (clock skew between machines); none is required.
//! Tokens minted elsewhere with the same secret (the frontend's end-to-end tests do) are
//! accepted.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const MAGIC_LINK: &str = "magic_link";
pub const ACCESS: &str = "access";
/// How far in the future a token's `iat` (issued at) may lie: clocks of two machines differ.
pub const IAT_LEEWAY_SECONDS: i64 = 60;
/// How long a magic link is valid.
pub const MAGIC_LINK_MINUTES: i64 = 15;

/// The HS256 secret (`PODIUM_JWT_SECRET`). Its `Debug` hides it.
#[derive(Clone)]
pub struct JwtSecret {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtSecret {
    pub fn new(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// A token for `sub` of `token_type`, valid for `minutes`.
    pub fn issue(&self, sub: &str, token_type: &str, minutes: i64) -> (String, i64) {
        let exp = chrono::Utc::now().timestamp() + minutes * 60;
        let claims = Claims {
            sub: Some(sub.to_owned()),
            token_type: Some(token_type.to_owned()),
            exp: Some(exp),
            iat: None,
            jti: (token_type == MAGIC_LINK).then(|| uuid::Uuid::new_v4().simple().to_string()),
        };
        // Encoding HS256 with an in-memory key and plain claims cannot fail.
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default();
        (token, exp)
    }

    /// The claims of a token whose signature is valid, that has not expired (`exp`), is already
    /// valid (`nbf`) and was not issued in the future (`iat`), for each of these it carries.
    pub fn decode(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::{Error, ErrorKind};
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)?.claims;
        let now = chrono::Utc::now().timestamp();
        if claims.iat.is_some_and(|iat| iat > now + IAT_LEEWAY_SECONDS) {
            return Err(Error::from(ErrorKind::ImmatureSignature));
        }
        Ok(claims)
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at; ours carry none (the contract's claims are `sub`, `token_type`, `exp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// A random id on magic links only (ours, after `exp`): two links mailed to one address in
    /// the same second differ, so redeeming one (single use, by the token's hash) leaves the
    /// other valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn tokens_carry_the_contracts_header_and_claim_order() {
        let secret = JwtSecret::new("s3cret");
        let (token, exp) = secret.issue("ada@example.com", ACCESS, 60);
        let parts: Vec<&str> = token.split('.').collect();
        let decode = |p: &str| {
            String::from_utf8(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .expect("b64"),
            )
            .expect("utf8")
        };
        let header: serde_json::Value = serde_json::from_str(&decode(parts[0])).expect("json");
        assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT"}));
        assert_eq!(
            decode(parts[1]),
            format!(r#"{{"sub":"ada@example.com","token_type":"access","exp":{exp}}}"#)
        );
        assert_eq!(
            secret.decode(&token).expect("valid").sub.as_deref(),
            Some("ada@example.com")
        );
    }

    #[test]
    fn wrong_secret_expired_and_unsigned_tokens_are_refused() {
        let secret = JwtSecret::new("s3cret");
        let (other, _) = JwtSecret::new("other").issue("a@b.co", ACCESS, 5);
        assert!(secret.decode(&other).is_err());
        let (expired, _) = secret.issue("a@b.co", ACCESS, -1);
        assert!(secret.decode(&expired).is_err());
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none = format!(
            "{}.{}.",
            engine.encode(r#"{"alg":"none","typ":"JWT"}"#),
            engine.encode(r#"{"sub":"a@b.co","token_type":"access"}"#)
        );
        assert!(secret.decode(&none).is_err());
        assert!(secret.decode("garbage").is_err());
    }

    fn signed(claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .expect("encode")
    }

    #[test]
    fn tokens_not_yet_valid_or_issued_in_the_future_are_refused() {
        let secret = JwtSecret::new("s3cret");
        let now = chrono::Utc::now().timestamp();
        let token = |extra: serde_json::Value| {
            let mut claims =
                serde_json::json!({"sub": "a@b.co", "token_type": ACCESS, "exp": now + 600});
            claims
                .as_object_mut()
                .expect("object")
                .extend(extra.as_object().expect("object").clone());
            signed(&claims)
        };
        assert!(
            secret
                .decode(&token(serde_json::json!({"nbf": now + 120})))
                .is_err()
        );
        assert!(
            secret
                .decode(&token(serde_json::json!({"nbf": now + 2})))
                .is_err()
        );
        assert!(
            secret
                .decode(&token(serde_json::json!({"iat": now + 3600})))
                .is_err()
        );
        assert!(
            secret
                .decode(&token(
                    serde_json::json!({"iat": now + IAT_LEEWAY_SECONDS + 5})
                ))
                .is_err()
        );
        // In the past, or within the minute of clock skew: accepted.
        assert!(
            secret
                .decode(&token(serde_json::json!({"nbf": now - 5, "iat": now - 5})))
                .is_ok()
        );
        assert!(
            secret
                .decode(&token(serde_json::json!({"iat": now + 30})))
                .is_ok()
        );
        assert!(secret.decode(&token(serde_json::json!({}))).is_ok());
    }
}

//! Access tokens (EdDSA JWTs, verified against one algorithm and our audience)
//! and opaque tokens for refresh and for links sent by mail (256 random bits,
//! stored only as a SHA-256).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{
    SigningKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Role;
use crate::platform::config::AuthConfig;

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: Uuid,
    pub role: Role,
    /// The session (refresh-token family) the token was issued in; revoking the
    /// session invalidates the token before it expires.
    pub sid: Uuid,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    kid: String,
    public_x: String,
    issuer: String,
    audience: String,
    access_ttl_secs: i64,
}

/// A fresh Ed25519 key as PKCS#8 PEM, for `JWT_SIGNING_KEY`.
pub fn generate_signing_key_pem() -> anyhow::Result<String> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    Ok(key.to_pkcs8_pem(LineEnding::LF)?.to_string())
}

impl TokenKeys {
    pub fn from_config(config: &AuthConfig) -> anyhow::Result<Self> {
        let pem = match &config.signing_key_pem {
            Some(pem) => pem.expose().to_owned(),
            None => {
                tracing::warn!("no JWT signing key configured; using a throwaway key (tokens die with this process)");
                generate_signing_key_pem()?
            }
        };
        let signing = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| anyhow::anyhow!("the JWT signing key is not an Ed25519 PKCS#8 PEM: {e}"))?;
        let public = signing.verifying_key().to_bytes();
        let public_x = URL_SAFE_NO_PAD.encode(public);
        // The key id is derived from the public key, so every host using the same
        // key publishes the same kid without coordination.
        let kid = hex_prefix(&Sha256::digest(public), 8);
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[&config.audience]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud", "iss", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_ed_pem(pem.trim().as_bytes())?,
            decoding: DecodingKey::from_ed_components(&public_x)?,
            validation,
            kid,
            public_x,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl_secs: config.access_token_ttl.as_secs() as i64,
        })
    }

    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    pub fn issue_access(&self, user_id: Uuid, role: Role, session_id: Uuid) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            exp: now + self.access_ttl_secs,
            nbf: now,
            iat: now,
            jti: Uuid::now_v7(),
            role,
            sid: session_id,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// Checks signature, algorithm (EdDSA only, so `none` and HMAC confusion fail),
    /// issuer, audience and time claims.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).map(|data| data.claims)
    }

    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "OKP",
                "crv": "Ed25519",
                "x": self.public_x,
                "kid": self.kid,
                "alg": "EdDSA",
                "use": "sig",
            }]
        })
    }
}

fn hex_prefix(bytes: &[u8], len: usize) -> String {
    bytes.iter().take(len).map(|b| format!("{b:02x}")).collect()
}

/// An opaque token as handed to the client (a refresh token, or the token in
/// a link sent by mail): 256 random bits, kept only as a SHA-256.
pub struct OpaqueToken(String);

impl OpaqueToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> Vec<u8> {
        hash_opaque_token(&self.0)
    }
}

pub fn hash_opaque_token(presented: &str) -> Vec<u8> {
    Sha256::digest(presented.as_bytes()).to_vec()
}

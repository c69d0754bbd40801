//! A partner's FHIR document is the record and is kept verbatim, sealed under the patient's
//! erasure key (`fhir.md` 9.10): AES-256-GCM, a random nonce first. Erasing the patient
//! destroys the key, so no copy of the ciphertext (a backup included) can be read again.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

use super::{AppError, AppResult, Tx};
use crate::db::patients;

fn cipher(key: &[u8]) -> AppResult<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("an erasure key is not 32 bytes")))
}

fn random<const N: usize>() -> AppResult<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no randomness")))?;
    Ok(bytes)
}

/// `plain` sealed under `key`: nonce, then ciphertext and tag.
pub fn seal(key: &[u8], plain: &[u8]) -> AppResult<Vec<u8>> {
    let nonce = random::<NONCE_LEN>()?;
    let mut sealed = plain.to_vec();
    cipher(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut sealed,
        )
        .map_err(|_| AppError::Internal(anyhow::anyhow!("sealing failed")))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The plain bytes of what `seal` wrote under `key`.
pub fn open(key: &[u8], sealed: &[u8]) -> AppResult<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return Err(AppError::corrupt("sealed document", "too short"));
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce)
        .map_err(|_| AppError::corrupt("sealed document", "bad nonce"))?;
    let mut body = body.to_vec();
    let plain = cipher(key)?
        .open_in_place(nonce, Aad::empty(), &mut body)
        .map_err(|_| AppError::corrupt("sealed document", "does not open under the key"))?;
    Ok(plain.to_vec())
}

/// `plain` sealed under the patient's erasure key, made on first use.
pub async fn seal_for_patient(
    tx: &mut Tx<'_>,
    patient_id: Uuid,
    plain: &[u8],
) -> AppResult<Vec<u8>> {
    let fresh = random::<32>()?;
    let key = patients::ensure_erasure_key(tx.conn, tx.org, patient_id, &fresh).await?;
    seal(&key, plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sealed_opens_under_its_key_only() {
        let key = random::<32>().unwrap();
        let sealed = seal(&key, b"{\"resourceType\":\"Bundle\"}").unwrap();
        assert_ne!(&sealed[NONCE_LEN..], b"{\"resourceType\":\"Bundle\"}");
        assert_eq!(
            open(&key, &sealed).unwrap(),
            b"{\"resourceType\":\"Bundle\"}"
        );
        let other = random::<32>().unwrap();
        assert!(open(&other, &sealed).is_err());
        assert_ne!(
            seal(&key, b"x").unwrap(),
            seal(&key, b"x").unwrap(),
            "fresh nonces"
        );
    }
}

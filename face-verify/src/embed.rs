//! The 128-d face descriptor and the distance between two of them.

use crate::align::{CHIP_SIZE, Chip};
use crate::error::{FaceError, Result};
use crate::runtime::{Models, run};

pub const EMBEDDING_LEN: usize = 128;

/// A face descriptor. Store it with [`Embedding::to_le_bytes`] (512 bytes) or as JSON numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<f32>", into = "Vec<f32>")]
pub struct Embedding(Vec<f32>);

impl Embedding {
    pub fn new(values: Vec<f32>) -> Result<Self> {
        if values.len() != EMBEDDING_LEN || values.iter().any(|v| !v.is_finite()) {
            return Err(FaceError::BadEmbedding {
                expected: EMBEDDING_LEN,
                got: values.len(),
            });
        }
        Ok(Self(values))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Euclidean distance; the descriptor was trained so that one person stays below ~0.6.
    pub fn distance(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }

    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_le_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != EMBEDDING_LEN * 4 {
            return Err(FaceError::BadEmbedding {
                expected: EMBEDDING_LEN,
                got: bytes.len() / 4,
            });
        }
        Self::new(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

impl TryFrom<Vec<f32>> for Embedding {
    type Error = FaceError;
    fn try_from(values: Vec<f32>) -> Result<Self> {
        Self::new(values)
    }
}

impl From<Embedding> for Vec<f32> {
    fn from(e: Embedding) -> Vec<f32> {
        e.0
    }
}

pub(crate) fn describe(models: &mut Models, chip: &Chip) -> Result<Embedding> {
    let out = run(
        &mut models.descriptor,
        "face descriptor",
        "image",
        [1, CHIP_SIZE, CHIP_SIZE, 3],
        chip.rgb.clone(),
        &["descriptor"],
    )?;
    Embedding::new(out.into_iter().next().map(|o| o.data).unwrap_or_default())
}

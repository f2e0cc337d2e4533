//! ROC points from genuine and impostor distances. A pair whose face was not found has no
//! distance: it counts as rejected (a false reject if genuine, a correct reject if impostor).

#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub threshold: f32,
    pub far: f64,
    pub frr: f64,
}

pub struct Pairs {
    pub genuine: Vec<Option<f32>>,
    pub impostor: Vec<Option<f32>>,
}

impl Pairs {
    pub fn at(&self, threshold: f32) -> Point {
        let accepted = |v: &[Option<f32>]| {
            v.iter()
                .filter(|d| d.is_some_and(|d| d <= threshold))
                .count()
        };
        let far = accepted(&self.impostor) as f64 / self.impostor.len().max(1) as f64;
        let frr = 1.0 - accepted(&self.genuine) as f64 / self.genuine.len().max(1) as f64;
        Point {
            threshold,
            far,
            frr,
        }
    }

    /// One point per distinct distance, in increasing threshold order.
    pub fn curve(&self) -> Vec<Point> {
        let mut all: Vec<f32> = self
            .genuine
            .iter()
            .chain(&self.impostor)
            .flatten()
            .copied()
            .collect();
        all.sort_by(f32::total_cmp);
        all.dedup();
        let mut points = vec![self.at(0.0)];
        points.extend(all.into_iter().map(|t| self.at(t)));
        points
    }

    /// The largest threshold whose false-accept rate stays within `max_far`.
    pub fn threshold_for_far(&self, max_far: f64) -> Point {
        self.curve()
            .into_iter()
            .rev()
            .find(|p| p.far <= max_far)
            .unwrap_or_else(|| self.at(0.0))
    }

    /// The point where FAR and FRR are closest (equal error rate).
    pub fn equal_error(&self) -> Point {
        self.curve()
            .into_iter()
            .min_by(|a, b| (a.far - a.frr).abs().total_cmp(&(b.far - b.frr).abs()))
            .unwrap_or_else(|| self.at(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Pairs {
        Pairs {
            genuine: vec![Some(0.2), Some(0.3), Some(0.5), None],
            impostor: vec![Some(0.4), Some(0.7), Some(0.9), None],
        }
    }

    #[test]
    fn rates_count_missing_faces_as_rejections() {
        let p = pairs().at(0.45);
        assert_eq!(p.far, 0.25);
        assert_eq!(p.frr, 0.5);
    }

    #[test]
    fn chosen_threshold_is_the_largest_within_the_far_target() {
        let chosen = pairs().threshold_for_far(0.0);
        assert_eq!(chosen.threshold, 0.3);
        assert_eq!(chosen.far, 0.0);
        assert_eq!(chosen.frr, 0.5);
    }
}

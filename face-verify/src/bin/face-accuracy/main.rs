//! Accuracy on the labelled face sets in `shared/data/faces`: ROC points, the chosen
//! threshold, false-accept and false-reject rates, and a PNG plot.
//!
//! `cargo run --release -p face-verify --bin face-accuracy -- [--data DIR] [--out DIR]`
//! (release matters: the whole ORL set is 400 images; `--skip-orl` for celebrity-pairs only). Quality gates are not applied here:
//! every picture with a detected face is compared, and gate failures are counted separately.

mod plot;
mod roc;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use face_verify::{Embedding, FaceEngine, FaceSettings};
use roc::{Pairs, Point};

const TARGET_FAR: f64 = 0.001;

fn main() {
    if let Err(e) = run() {
        eprintln!("face-accuracy: {e}");
        std::process::exit(1);
    }
}

struct Args {
    data: PathBuf,
    out: PathBuf,
    orl: bool,
}

fn args() -> Result<Args, String> {
    let mut data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/faces");
    let mut out = PathBuf::from("target/face-accuracy");
    let mut orl = true;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--skip-orl" {
            orl = false;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--data" => data = value.into(),
            "--out" => out = value.into(),
            _ => {
                return Err(format!(
                    "unknown flag {flag}; use --data DIR --out DIR --skip-orl"
                ));
            }
        }
    }
    Ok(Args { data, out, orl })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let settings = FaceSettings::from_env();
    let engine = FaceEngine::load(&settings)?;
    std::fs::create_dir_all(&args.out)?;

    let celebrity = celebrity_pairs(&engine, &args.data.join("celebrity-pairs"))?;
    let orl = if args.orl {
        orl_pairs(&engine, &args.data.join("orl"))?
    } else {
        Pairs {
            genuine: Vec::new(),
            impostor: Vec::new(),
        }
    };

    let chosen = report("celebrity-pairs", &celebrity, None);
    if args.orl {
        report("orl (all pairs)", &orl, Some(chosen.threshold));
    }

    let celebrity_curve = celebrity.curve();
    let orl_curve = orl.curve();
    let png = args.out.join("roc.png");
    let mut series = vec![plot::Series {
        points: &celebrity_curve,
        colour: [200, 40, 40],
        chosen: Some(chosen),
    }];
    if args.orl {
        series.push(plot::Series {
            points: &orl_curve,
            colour: [40, 80, 200],
            chosen: Some(orl.at(chosen.threshold)),
        });
    }
    plot::draw(&series).save(&png)?;
    println!(
        "\nROC plot: {} (x: FAR, log 1e-4..1, FAR 0 drawn at 1e-4; y: TAR = 1-FRR; red celebrity-pairs, blue orl; rings at the chosen threshold)",
        png.display()
    );
    let csv = args.out.join("roc.csv");
    let mut text = String::from("set,threshold,far,frr\n");
    for (name, curve) in [("celebrity-pairs", &celebrity_curve), ("orl", &orl_curve)] {
        for p in curve {
            text.push_str(&format!(
                "{name},{:.4},{:.6},{:.6}\n",
                p.threshold, p.far, p.frr
            ));
        }
    }
    std::fs::write(&csv, text)?;
    println!("ROC points: {}", csv.display());
    let t = settings.match_threshold;
    let c = celebrity.at(t);
    println!(
        "configured match_threshold {t}: celebrity-pairs FAR {:.3}%, FRR {:.3}%",
        c.far * 100.0,
        c.frr * 100.0
    );
    if args.orl {
        let o = orl.at(t);
        println!(
            "configured match_threshold {t}: orl FAR {:.3}%, FRR {:.3}%",
            o.far * 100.0,
            o.frr * 100.0
        );
    }
    Ok(())
}

/// Embeds each picture once; `None` when no face was found.
struct Gallery {
    embeddings: BTreeMap<String, Option<Embedding>>,
    qualities: Vec<face_verify::Quality>,
    no_face: usize,
    gate_failures: BTreeMap<String, usize>,
}

fn gallery(
    engine: &FaceEngine,
    files: impl IntoIterator<Item = (String, PathBuf)>,
) -> Result<Gallery, Box<dyn std::error::Error>> {
    let mut g = Gallery {
        embeddings: BTreeMap::new(),
        qualities: Vec::new(),
        no_face: 0,
        gate_failures: BTreeMap::new(),
    };
    for (key, path) in files {
        if g.embeddings.contains_key(&key) {
            continue;
        }
        let image = upscale_small(engine.decode(&std::fs::read(&path)?)?);
        let analysis = engine.analyse(&image)?;
        if analysis.embedding.is_none() {
            g.no_face += 1;
        } else if let Some(issue) = analysis.issue {
            let name = format!("{issue:?}");
            let name = name
                .split([' ', '{'])
                .next()
                .unwrap_or_default()
                .to_string();
            *g.gate_failures.entry(name).or_default() += 1;
        }
        g.qualities.extend(analysis.quality);
        g.embeddings.insert(key, analysis.embedding);
    }
    Ok(g)
}

/// The ORL copy here is 23x28 pixels; the detector needs faces of at least 12 px and works
/// far better with more, so small pictures are enlarged (bilinear) before analysis.
const MIN_SIDE: u32 = 112;

fn upscale_small(image: face_verify::RgbImage) -> face_verify::RgbImage {
    let side = image.width().min(image.height());
    if side >= MIN_SIDE {
        return image;
    }
    let factor = MIN_SIDE.div_ceil(side);
    image::imageops::resize(
        &image,
        image.width() * factor,
        image.height() * factor,
        image::imageops::FilterType::Triangle,
    )
}

/// Spread of the gate measurements over a set, to calibrate the gates' thresholds.
fn print_quality(name: &str, g: &Gallery) {
    let spread = |f: &dyn Fn(&face_verify::Quality) -> f32| {
        let mut v: Vec<f32> = g.qualities.iter().map(f).collect();
        v.sort_by(f32::total_cmp);
        let at = |q: f64| {
            v.get(((v.len().max(1) - 1) as f64 * q) as usize)
                .copied()
                .unwrap_or(f32::NAN)
        };
        format!(
            "min {:.2} p5 {:.2} median {:.2} p95 {:.2} max {:.2}",
            at(0.0),
            at(0.05),
            at(0.5),
            at(0.95),
            at(1.0)
        )
    };
    println!("{name} quality: sharpness {}", spread(&|q| q.sharpness));
    println!("{name} quality: brightness {}", spread(&|q| q.brightness));
    println!("{name} quality: |yaw| {}", spread(&|q| q.yaw.abs()));
    println!("{name} quality: |pitch| {}", spread(&|q| q.pitch.abs()));
    println!("{name} quality: face px {}", spread(&|q| q.face_px));
}

fn distance(g: &Gallery, a: &str, b: &str) -> Option<f32> {
    match (g.embeddings.get(a)?, g.embeddings.get(b)?) {
        (Some(x), Some(y)) => Some(x.distance(y)),
        _ => None,
    }
}

fn celebrity_pairs(engine: &FaceEngine, dir: &Path) -> Result<Pairs, Box<dyn std::error::Error>> {
    let csv = std::fs::read_to_string(dir.join("face-recognition-pivot.csv"))?;
    let mut pairs = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let file = |c: &str| c.rsplit('/').next().unwrap_or(c).to_string();
        pairs.push((file(cols[0]), file(cols[1]), cols[2] == "Yes"));
    }
    let files = pairs
        .iter()
        .flat_map(|(a, b, _)| [a.clone(), b.clone()])
        .map(|f| (f.clone(), dir.join(&f)));
    let g = gallery(engine, files)?;
    println!(
        "celebrity-pairs: {} pairs over {} pictures; no face found in {}; gate failures (still compared): {:?}",
        pairs.len(),
        g.embeddings.len(),
        g.no_face,
        g.gate_failures
    );
    print_quality("celebrity-pairs", &g);
    let mut result = Pairs {
        genuine: Vec::new(),
        impostor: Vec::new(),
    };
    type Hardest<'a> = Option<(f32, &'a str, &'a str)>;
    let mut hardest: (Hardest, Hardest) = (None, None);
    for (a, b, same) in &pairs {
        let d = distance(&g, a, b);
        if let Some(d) = d {
            let slot = if *same {
                &mut hardest.0
            } else {
                &mut hardest.1
            };
            let worse = slot.is_none_or(|(h, _, _)| if *same { d > h } else { d < h });
            if worse {
                *slot = Some((d, a, b));
            }
        }
        if *same {
            result.genuine.push(d)
        } else {
            result.impostor.push(d)
        }
    }
    if let (Some(g), Some(i)) = hardest {
        println!(
            "hardest genuine pair: {} vs {} at {:.4}; hardest impostor pair: {} vs {} at {:.4}",
            g.1, g.2, g.0, i.1, i.2, i.0
        );
    }
    Ok(result)
}

fn orl_pairs(engine: &FaceEngine, dir: &Path) -> Result<Pairs, Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    for person in std::fs::read_dir(dir)? {
        let person = person?.path();
        if !person.is_dir() {
            continue;
        }
        for image in std::fs::read_dir(&person)? {
            let image = image?.path();
            if image.extension().is_some_and(|e| e == "pgm") {
                let who = person
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                let key = format!(
                    "{who}/{}",
                    image.file_name().unwrap_or_default().to_string_lossy()
                );
                files.push((who, key, image));
            }
        }
    }
    files.sort();
    let g = gallery(
        engine,
        files
            .iter()
            .map(|(_, key, path)| (key.clone(), path.clone())),
    )?;
    println!(
        "orl: {} pictures of {} people; no face found in {}; gate failures (still compared): {:?}",
        files.len(),
        files
            .iter()
            .map(|f| &f.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        g.no_face,
        g.gate_failures
    );
    print_quality("orl", &g);
    let mut result = Pairs {
        genuine: Vec::new(),
        impostor: Vec::new(),
    };
    for (i, (who_a, a, _)) in files.iter().enumerate() {
        for (who_b, b, _) in &files[i + 1..] {
            let d = distance(&g, a, b);
            if who_a == who_b {
                result.genuine.push(d)
            } else {
                result.impostor.push(d)
            }
        }
    }
    Ok(result)
}

fn report(name: &str, pairs: &Pairs, fixed: Option<f32>) -> Point {
    println!(
        "\n== {name}: {} genuine, {} impostor pairs",
        pairs.genuine.len(),
        pairs.impostor.len()
    );
    println!("{:>9} {:>9} {:>9}", "threshold", "FAR %", "FRR %");
    for t in [0.40f32, 0.45, 0.50, 0.55, 0.56, 0.60] {
        let p = pairs.at(t);
        println!("{:>9.2} {:>9.3} {:>9.3}", t, p.far * 100.0, p.frr * 100.0);
    }
    let eer = pairs.equal_error();
    println!(
        "equal error: threshold {:.4}, FAR {:.3}%, FRR {:.3}%",
        eer.threshold,
        eer.far * 100.0,
        eer.frr * 100.0
    );
    let chosen = pairs.threshold_for_far(TARGET_FAR);
    println!(
        "largest threshold with FAR <= {:.1}%: {:.4} -> FAR {:.3}%, FRR {:.3}%",
        TARGET_FAR * 100.0,
        chosen.threshold,
        chosen.far * 100.0,
        chosen.frr * 100.0
    );
    if let Some(t) = fixed {
        let p = pairs.at(t);
        println!(
            "at the celebrity-pairs threshold {:.4}: FAR {:.3}%, FRR {:.3}%",
            t,
            p.far * 100.0,
            p.frr * 100.0
        );
    }
    chosen
}

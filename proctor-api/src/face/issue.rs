//! Quality-gate reasons as the API names and explains them.

use face_verify::QualityIssue;

/// (code, zh, en) for a quality issue.
pub fn describe(issue: &QualityIssue) -> (&'static str, String, String) {
    match issue {
        QualityIssue::NoFace => ("no_face", "未检测到人脸".into(), "no face found".into()),
        QualityIssue::MultipleFaces { count } => (
            "multiple_faces",
            format!("画面中有 {count} 张人脸，只能有一人"),
            format!("{count} faces in the picture; exactly one is needed"),
        ),
        QualityIssue::FaceTooSmall { .. } => ("face_too_small", "人脸太小，请靠近镜头".into(), issue.to_string()),
        QualityIssue::TooBlurred { .. } => ("too_blurred", "图像模糊".into(), issue.to_string()),
        QualityIssue::TooDark { .. } => ("too_dark", "光线太暗".into(), issue.to_string()),
        QualityIssue::TooBright { .. } => ("too_bright", "光线太亮".into(), issue.to_string()),
        QualityIssue::HeadTurned { .. } => ("head_turned", "请正对镜头".into(), issue.to_string()),
        _ => ("unusable_face", "人脸不可用".into(), issue.to_string()),
    }
}

pub fn code(issue: &QualityIssue) -> &'static str {
    describe(issue).0
}

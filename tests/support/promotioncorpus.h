#pragma once

// The corpus repository kostis-codefresh/gitops-environment-promotion (../shared/gitops-corpus,
// a git bundle) and what every commit of it touches: one table for the impact-map test and the
// `pr describe` test, read from `git show --stat` and the kustomizations at each commit.

#include <QHash>
#include <QString>
#include <QStringList>

namespace sextant::test::promotion {

inline const QString kBundle =
    QStringLiteral(SEXTANT_SHARED_DIR "/gitops-corpus/gitops-environment-promotion.bundle");
// One Argo CD Application per envs/<env> overlay (the corpus has none of its own).
inline const QString kApps = QStringLiteral(SEXTANT_TEST_DATA_DIR "/gitops/promotion-apps.yaml");

inline const QStringList kAll{
    "integration-gpu", "integration-non-gpu", "load-gpu",  "load-non-gpu", "qa",     "staging-asia",
    "staging-eu",      "staging-us",          "prod-asia", "prod-eu",      "prod-us"};
inline const QStringList kNonProd{
    "integration-gpu", "integration-non-gpu", "load-gpu",  "load-non-gpu", "qa",
    "staging-asia",    "staging-eu",          "staging-us"};

inline QStringList allBut(const QString& env) {
    QStringList out = kAll;
    out.removeAll(env);
    return out;
}

// What each commit touches, read from `git show --stat` and the kustomizations at that commit.
inline QHash<QString, QStringList> expectedEnvironments() {
    return {
        {"22d6cee", {}},                  // README only
        {"8d9c9be", {}},                  // base/ files, no overlay exists yet
        {"bc37446", {}},                  // base kustomization, variants/asia
        {"68e4307", {}},                  // more variants, still no overlay
        {"5541297", {"integration-gpu"}}, // first overlay (+ variant reshuffle)
        {"b5fd818", kAll},                // every overlay added or changed
        {"be40511", {"integration-gpu", "integration-non-gpu", "qa"}}, // replicas.yml removed
        {"d53156f", {"qa"}},
        {"bbda068", kNonProd}, // variants/non-prod/non-prod.yml: the non-prod component
        {"4f40e8a", allBut("integration-gpu")}, // namePrefix in 10 kustomizations
        {"0f9ea22", {"prod-asia"}},
        {"2de4a23", {"prod-eu"}},
        {"a836148", {"integration-gpu", "staging-asia", "staging-eu"}},
        {"56bb155", {"integration-gpu"}},
        {"da2bdfe", {"integration-gpu"}},
        {"505fa1f", kAll},                      // base/deployment.yml
        {"d562d49", allBut("integration-gpu")}, // settings.yml added to 10 overlays
        {"6e26ebf", {"integration-gpu", "integration-non-gpu", "qa", "staging-us"}},
        {"c6924e2", {}}, // README
        {"98ed32c", {}}, // README
        {"327d8ff", {}}, // .github workflow
        {"c99a92c", {}}, // .github workflow removed
    };
}

} // namespace sextant::test::promotion

// The named checks a pack's rules run. Each reads its parameters from the rule, looks at one
// object (and, for cross-object checks, the whole set) and appends findings with the path of
// the offending field; the engine turns paths into file:line and textual fixes.

#include "checks.h"

#include <QHash>
#include <QRegularExpression>
#include <optional>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sextant::policy {

namespace {

// ---- parameters -------------------------------------------------------------------------------

const YNode* param(const Rule& r, std::string_view key) {
    return r.params.get(key);
}

std::string paramString(const Rule& r, std::string_view key, std::string fallback = {}) {
    const YNode* n = param(r, key);
    return n && n->isScalar() ? n->scalar : fallback;
}

long long paramInt(const Rule& r, std::string_view key, long long fallback) {
    long long v = 0;
    const YNode* n = param(r, key);
    return n && n->asInt(v) ? v : fallback;
}

bool paramBool(const Rule& r, std::string_view key, bool fallback) {
    bool v = false;
    const YNode* n = param(r, key);
    return n && n->asBool(v) ? v : fallback;
}

bool listContains(const YNode* list, std::string_view value) {
    if (!list || !list->isSeq())
        return false;
    for (const YNode& i : list->seq) {
        if (i.scalar == value)
            return true;
    }
    return false;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool listContainsIgnoreCase(const YNode* list, std::string_view value) {
    if (!list || !list->isSeq())
        return false;
    for (const YNode& i : list->seq) {
        if (equalsIgnoreCase(i.scalar, value))
            return true;
    }
    return false;
}

// Whether the rule applies to this kind of container (param containerTypes; default: all).
bool appliesTo(const Rule& r, const ContainerView& c) {
    const YNode* types = param(r, "containerTypes");
    return !types || listContains(types, c.type);
}

// Whether the rule applies to this object kind (params kinds / excludeKinds).
bool kindAllowed(const Rule& r, const ObjectView& v) {
    const YNode* kinds = param(r, "kinds");
    if (kinds && !listContains(kinds, v.obj->kind))
        return false;
    return !listContains(param(r, "excludeKinds"), v.obj->kind);
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// "container 'app'", "initContainer 'setup'" — the same words Kubernetes' field names use.
QString describe(const ContainerView& c) {
    const char* word = std::string_view(c.type) == "containers"       ? "container"
                       : std::string_view(c.type) == "initContainers" ? "initContainer"
                                                                      : "ephemeralContainer";
    return QStringLiteral("%1 '%2'").arg(QLatin1String(word), q(c.name));
}

QString shown(const YNode* n) {
    if (!n)
        return QStringLiteral("unset");
    if (n->isScalar())
        return q(n->scalar);
    return n->isMap() ? QStringLiteral("a map") : QStringLiteral("a list");
}

Finding finding(std::string path, QString message, const ContainerView* c = nullptr) {
    Finding f;
    f.path = std::move(path);
    f.message = std::move(message);
    if (c)
        f.container = q(c->name);
    return f;
}

// The effective value of a securityContext field: the container's, else (for fields that
// exist at both levels) the pod's; `path` is set to where it was found (or would go).
const YNode* effectiveSecurityField(const ObjectView& v, const ContainerView& c,
                                    std::string_view field, bool inherit, std::string& path) {
    const YNode* sc = c.node->get("securityContext");
    if (const YNode* own = sc ? sc->path(field) : nullptr) {
        path = c.path + "/securityContext/" + std::string(field);
        return own;
    }
    if (inherit && v.podSpec) {
        const YNode* psc = v.podSpec->get("securityContext");
        if (const YNode* podValue = psc ? psc->path(field) : nullptr) {
            path = v.podSpecPath + "/securityContext/" + std::string(field);
            return podValue;
        }
    }
    path = c.path + "/securityContext/" + std::string(field);
    return nullptr;
}

// ---- container security -----------------------------------------------------------------------

// params: field (may be nested: windowsOptions/hostProcess), expect (bool) or allowedValues
// (strings), missing (pass|fail), inherit (bool: the pod-level field applies too)
void securityContextField(const Rule& r, const ObjectView& v, const ObjectSet&,
                          std::vector<Finding>& out) {
    const std::string field = paramString(r, "field");
    const YNode* allowedValues = param(r, "allowedValues");
    const bool expect = paramBool(r, "expect", false);
    const bool missingFails = paramString(r, "missing", "pass") == "fail";
    const bool inherit = paramBool(r, "inherit", false);
    const std::string expected = allowedValues && !allowedValues->seq.empty()
                                     ? allowedValues->seq.front().scalar
                                 : expect ? "true"
                                          : "false";
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        std::string path;
        const YNode* value = effectiveSecurityField(v, c, field, inherit, path);
        if (!value && !missingFails)
            continue;
        bool b = false;
        if (value && allowedValues && listContains(allowedValues, value->scalar))
            continue;
        if (value && !allowedValues && value->asBool(b) && b == expect)
            continue;
        Finding f =
            finding(path,
                    QStringLiteral("%1: securityContext.%2 is %3, expected %4")
                        .arg(describe(c), q(field).replace(QLatin1Char('/'), QLatin1Char('.')),
                             shown(value), q(expected)),
                    &c);
        // Written on the container, which also overrides an inherited pod-level value.
        f.fixPath = c.path + "/securityContext/" + field;
        f.fixValue = expected;
        out.push_back(std::move(f));
    }
}

// A securityContext field OpenShift's restricted-v2 SCC assigns itself from the namespace's
// annotations (openshift.io/sa.scc.uid-range, supplemental-groups, mcs): a manifest that pins it
// is refused at admission unless the value falls in that namespace's range, so it works in one
// namespace and breaks in the next. Reported where it is written: on the pod (params.pod) and on
// each container (params.container).
void sccAssignedField(const Rule& r, const ObjectView& v, const ObjectSet&,
                      std::vector<Finding>& out) {
    const std::string field = paramString(r, "field");
    const QString why = q(paramString(r, "why"));
    const QString dotted = q(field).replace(QLatin1Char('/'), QLatin1Char('.'));
    if (paramBool(r, "pod", true) && v.podSpec) {
        const YNode* psc = v.podSpec->get("securityContext");
        if (const YNode* value = psc ? psc->path(field) : nullptr)
            out.push_back(finding(
                v.podSpecPath + "/securityContext/" + field,
                QStringLiteral("pod securityContext.%1 is %2: %3").arg(dotted, shown(value), why)));
    }
    if (!paramBool(r, "container", true))
        return;
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* sc = c.node->get("securityContext");
        if (const YNode* value = sc ? sc->path(field) : nullptr)
            out.push_back(finding(c.path + "/securityContext/" + field,
                                  QStringLiteral("%1: securityContext.%2 is %3: %4")
                                      .arg(describe(c), dotted, shown(value), why),
                                  &c));
    }
}

void runAsNonRoot(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        std::string nonRootPath, userPath;
        const YNode* nonRoot = effectiveSecurityField(v, c, "runAsNonRoot", true, nonRootPath);
        const YNode* user = effectiveSecurityField(v, c, "runAsUser", true, userPath);
        long long uid = -1;
        const bool hasUid = user && user->asInt(uid);
        if (hasUid && uid == 0) {
            out.push_back(finding(
                userPath,
                QStringLiteral("%1: runAsUser is 0 (root), expected a UID ≥ 1").arg(describe(c)),
                &c));
            continue;
        }
        bool nr = false;
        if ((nonRoot && nonRoot->asBool(nr) && nr) || (hasUid && uid >= 1))
            continue;
        Finding f = finding(
            nonRoot ? nonRootPath : c.path + "/securityContext/runAsNonRoot",
            QStringLiteral("%1: runAsNonRoot is %2 and runAsUser is %3, expected runAsNonRoot: "
                           "true or runAsUser ≥ 1 (on the container or the pod)")
                .arg(describe(c), shown(nonRoot), shown(user)),
            &c);
        f.fixPath = c.path + "/securityContext/runAsNonRoot";
        f.fixValue = "true";
        out.push_back(std::move(f));
    }
}

// params: field (a boolean of the pod spec), expect
void podSpecField(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (!v.podSpec)
        return;
    const std::string field = paramString(r, "field");
    const bool expect = paramBool(r, "expect", false);
    const YNode* value = v.podSpec->get(field);
    bool b = false;
    if (!value || (value->asBool(b) && b == expect))
        return;
    Finding f = finding(v.podSpecPath + "/" + field,
                        QStringLiteral("pod spec: %1 is %2, expected %3 or unset")
                            .arg(q(field), shown(value),
                                 expect ? QStringLiteral("true") : QStringLiteral("false")));
    f.fixPath = f.path;
    f.fixValue = expect ? "true" : "false";
    out.push_back(std::move(f));
}

void hostPathVolume(const Rule&, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    const YNode* volumes = v.podSpec ? v.podSpec->get("volumes") : nullptr;
    if (!volumes || !volumes->isSeq())
        return;
    for (std::size_t i = 0; i < volumes->seq.size(); ++i) {
        const YNode& vol = volumes->seq[i];
        const YNode* hp = vol.get("hostPath");
        if (!hp)
            continue;
        const YNode* name = vol.get("name");
        const YNode* hostPath = hp->get("path");
        out.push_back(finding(v.podSpecPath + "/volumes/" + std::to_string(i) + "/hostPath",
                              QStringLiteral("volume '%1' mounts hostPath %2, expected no "
                                             "hostPath volumes")
                                  .arg(name ? q(name->scalar) : QString(), shown(hostPath))));
    }
}

void hostPort(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* ports = c.node->get("ports");
        if (!ports || !ports->isSeq())
            continue;
        for (std::size_t i = 0; i < ports->seq.size(); ++i) {
            const YNode* hp = ports->seq[i].get("hostPort");
            long long port = 0;
            if (!hp || (hp->asInt(port) && port == 0))
                continue;
            out.push_back(finding(
                c.path + "/ports/" + std::to_string(i) + "/hostPort",
                QStringLiteral("%1: hostPort is %2, expected unset").arg(describe(c), shown(hp)),
                &c));
        }
    }
}

// params: forbidden (list of capability names, case-insensitive)
void capabilitiesAdded(const Rule& r, const ObjectView& v, const ObjectSet&,
                       std::vector<Finding>& out) {
    const YNode* forbidden = param(r, "forbidden");
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* add = c.node->path("securityContext/capabilities/add");
        if (!add || !add->isSeq())
            continue;
        for (std::size_t i = 0; i < add->seq.size(); ++i) {
            if (!listContainsIgnoreCase(forbidden, add->seq[i].scalar))
                continue;
            out.push_back(finding(
                c.path + "/securityContext/capabilities/add/" + std::to_string(i),
                QStringLiteral("%1: adds capability %2, expected none of the dangerous ones")
                    .arg(describe(c), q(add->seq[i].scalar)),
                &c));
        }
    }
}

// params: alternativeSet (a drop list that counts as dropping ALL)
void capabilitiesDropAll(const Rule& r, const ObjectView& v, const ObjectSet&,
                         std::vector<Finding>& out) {
    const YNode* alternative = param(r, "alternativeSet");
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* drop = c.node->path("securityContext/capabilities/drop");
        if (drop && drop->isSeq()) {
            if (listContainsIgnoreCase(drop, "ALL"))
                continue;
            bool all = alternative && alternative->isSeq() && !alternative->seq.empty();
            for (std::size_t i = 0; all && i < alternative->seq.size(); ++i)
                all = listContainsIgnoreCase(drop, alternative->seq[i].scalar);
            if (all)
                continue;
        }
        Finding f = finding(
            c.path + "/securityContext/capabilities/drop",
            QStringLiteral("%1: capabilities.drop is %2, expected it to contain "
                           "ALL")
                .arg(describe(c), drop ? QStringLiteral("without ALL") : QStringLiteral("unset")),
            &c);
        if (!drop) {
            f.fixPath = f.path;
            f.fixValue = "[ALL]";
        }
        out.push_back(std::move(f));
    }
}

// params: allowed (profile types)
void seccompProfile(const Rule& r, const ObjectView& v, const ObjectSet&,
                    std::vector<Finding>& out) {
    const YNode* allowed = param(r, "allowed");
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        std::string path;
        const YNode* profile = effectiveSecurityField(v, c, "seccompProfile", true, path);
        const YNode* type = profile ? profile->get("type") : nullptr;
        if (type && listContains(allowed, type->scalar))
            continue;
        Finding f = finding(type ? path + "/type" : path,
                            QStringLiteral("%1: seccompProfile.type is %2, expected "
                                           "RuntimeDefault or Localhost (container or pod)")
                                .arg(describe(c), shown(type)),
                            &c);
        f.fixPath = c.path + "/securityContext/seccompProfile/type";
        f.fixValue = "RuntimeDefault";
        out.push_back(std::move(f));
    }
}

// The pod template's metadata (Pod: the object's own metadata).
const YNode* podTemplateMetadata(const ObjectView& v) {
    if (!v.podSpec)
        return nullptr;
    if (v.podSpecPath == "spec")
        return v.obj->root->get("metadata");
    return v.obj->root->path(v.podSpecPath.substr(0, v.podSpecPath.size() - 5) + "/metadata");
}

bool nonEmptyMap(const YNode* n) {
    return n && n->isMap() && !n->map.empty();
}

// Polaris's linuxHardening: each container is restricted by at least one of AppArmor (the
// pod annotation container.apparmor.security.beta.kubernetes.io/<container>, or the
// appArmorProfile field of Kubernetes 1.30+, container or pod), a seccomp profile other than
// Unconfined (the container's, else the pod's), SELinux options with at least one field
// (container or pod), or a non-empty capabilities.drop without add: [ALL]. Init and ephemeral
// containers are containers too. Unconfined AppArmor counts as none (Polaris accepts any
// annotation value). Fix: the RuntimeDefault seccomp profile, the least intrusive of the four.
void linuxHardening(const Rule& r, const ObjectView& v, const ObjectSet&,
                    std::vector<Finding>& out) {
    const YNode* meta = podTemplateMetadata(v);
    const YNode* annotations = meta ? meta->get("annotations") : nullptr;
    const YNode* psc = v.podSpec ? v.podSpec->get("securityContext") : nullptr;
    const auto confinedProfile = [](const YNode* profile) {
        const YNode* type = profile ? profile->get("type") : nullptr;
        return type && type->isScalar() && !type->scalar.empty() && type->scalar != "Unconfined";
    };
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* sc = c.node->get("securityContext");
        const YNode* apparmor =
            annotations && annotations->isMap()
                ? annotations->get("container.apparmor.security.beta.kubernetes.io/" + c.name)
                : nullptr;
        if (apparmor && apparmor->isScalar() && !apparmor->scalar.empty() &&
            apparmor->scalar != "unconfined")
            continue;
        const YNode* ownAppArmor = sc ? sc->get("appArmorProfile") : nullptr;
        if (confinedProfile(ownAppArmor ? ownAppArmor
                            : psc       ? psc->get("appArmorProfile")
                                        : nullptr))
            continue;
        const YNode* ownSeccomp = sc ? sc->get("seccompProfile") : nullptr;
        const YNode* ownSeccompType = ownSeccomp ? ownSeccomp->get("type") : nullptr;
        // A container's type overrides the pod's; a container profile without a type does not.
        if (confinedProfile(ownSeccompType ? ownSeccomp
                            : psc          ? psc->get("seccompProfile")
                                           : nullptr))
            continue;
        if (nonEmptyMap(sc ? sc->get("seLinuxOptions") : nullptr) ||
            nonEmptyMap(psc ? psc->get("seLinuxOptions") : nullptr))
            continue;
        const YNode* caps = sc ? sc->get("capabilities") : nullptr;
        const YNode* drop = caps ? caps->get("drop") : nullptr;
        const bool addsAll = caps && listContainsIgnoreCase(caps->get("add"), "ALL");
        if (drop && drop->isSeq() && !drop->seq.empty() && !addsAll)
            continue;
        Finding f = finding(c.path + "/securityContext",
                            QStringLiteral("%1: no AppArmor profile, seccompProfile.type is %2, "
                                           "no seLinuxOptions and %3, expected one of them "
                                           "(e.g. seccompProfile.type RuntimeDefault)")
                                .arg(describe(c),
                                     ownSeccompType ? shown(ownSeccompType)
                                     : psc && psc->path("seccompProfile/type")
                                         ? shown(psc->path("seccompProfile/type"))
                                         : QStringLiteral("unset"),
                                     addsAll ? QStringLiteral("capabilities.add has ALL")
                                             : QStringLiteral("no capabilities dropped")),
                            &c);
        f.fixPath = c.path + "/securityContext/seccompProfile/type";
        f.fixValue = "RuntimeDefault";
        out.push_back(std::move(f));
    }
}

// ---- images -----------------------------------------------------------------------------------

struct ImageRef {
    std::string registry; // docker.io when the name has no registry part
    std::string tag;
    bool digest = false;
};

ImageRef parseImage(std::string_view image) {
    ImageRef ref;
    const std::size_t at = image.find('@');
    ref.digest = at != std::string_view::npos;
    const std::string_view name = image.substr(0, at);
    const std::size_t slash = name.find('/');
    const std::size_t colon = name.rfind(':');
    if (colon != std::string_view::npos &&
        (slash == std::string_view::npos || colon > name.rfind('/')))
        ref.tag = std::string(name.substr(colon + 1));
    // The first component is a registry when it looks like a host (Docker's rule).
    if (slash != std::string_view::npos) {
        const std::string_view first = name.substr(0, slash);
        if (first.find('.') != std::string_view::npos ||
            first.find(':') != std::string_view::npos || first == "localhost")
            ref.registry = std::string(first);
    }
    if (ref.registry.empty())
        ref.registry = "docker.io";
    return ref;
}

void imageTag(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* image = c.node->get("image");
        if (!image || image->scalar.empty()) {
            out.push_back(finding(
                c.path + "/image",
                QStringLiteral("%1: no image, expected an image with a tag").arg(describe(c)), &c));
            continue;
        }
        const ImageRef ref = parseImage(image->scalar);
        if (ref.digest || (!ref.tag.empty() && ref.tag != "latest"))
            continue;
        out.push_back(finding(
            c.path + "/image",
            QStringLiteral("%1: image %2 has %3, expected a fixed version tag "
                           "or a digest")
                .arg(describe(c), q(image->scalar),
                     ref.tag.empty() ? QStringLiteral("no tag") : QStringLiteral("tag latest")),
            &c));
    }
}

void imageDigest(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    for (const ContainerView& c : v.containers) {
        const YNode* image = c.node->get("image");
        if (!appliesTo(r, c) || !image || parseImage(image->scalar).digest)
            continue;
        out.push_back(finding(c.path + "/image",
                              QStringLiteral("%1: image %2 is not pinned, expected "
                                             "name@sha256:<digest>")
                                  .arg(describe(c), shown(image)),
                              &c));
    }
}

// params: registries (allowed registry hosts or host/path prefixes; empty = any)
void allowedRegistries(const Rule& r, const ObjectView& v, const ObjectSet&,
                       std::vector<Finding>& out) {
    const YNode* allowed = param(r, "registries");
    if (!allowed || !allowed->isSeq() || allowed->seq.empty())
        return;
    for (const ContainerView& c : v.containers) {
        const YNode* image = c.node->get("image");
        if (!appliesTo(r, c) || !image || !image->isScalar())
            continue;
        const ImageRef ref = parseImage(image->scalar);
        bool ok = false;
        for (const YNode& prefix : allowed->seq) {
            ok = ok || ref.registry == prefix.scalar ||
                 (image->scalar.rfind(prefix.scalar, 0) == 0 &&
                  image->scalar.size() > prefix.scalar.size() &&
                  image->scalar[prefix.scalar.size()] == '/');
        }
        if (!ok)
            out.push_back(finding(c.path + "/image",
                                  QStringLiteral("%1: image %2 comes from %3, expected one of "
                                                 "the allowed registries")
                                      .arg(describe(c), q(image->scalar), q(ref.registry)),
                                  &c));
    }
}

// params: expect (Always), requireExplicit
void pullPolicy(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    const std::string expect = paramString(r, "expect", "Always");
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* policy = c.node->get("imagePullPolicy");
        if (policy && policy->scalar == expect)
            continue;
        Finding f = finding(c.path + "/imagePullPolicy",
                            QStringLiteral("%1: imagePullPolicy is %2, expected %3")
                                .arg(describe(c), shown(policy), q(expect)),
                            &c);
        f.fixPath = f.path;
        f.fixValue = expect;
        out.push_back(std::move(f));
    }
}

// ---- resources and probes ---------------------------------------------------------------------

// params: section (requests|limits), resource (cpu|memory)
void containerResource(const Rule& r, const ObjectView& v, const ObjectSet&,
                       std::vector<Finding>& out) {
    const std::string section = paramString(r, "section", "requests");
    const std::string resource = paramString(r, "resource", "cpu");
    for (const ContainerView& c : v.containers) {
        if (!appliesTo(r, c))
            continue;
        const YNode* resources = c.node->get("resources");
        const YNode* s = resources ? resources->get(section) : nullptr;
        const YNode* value = s ? s->get(resource) : nullptr;
        if (value && value->isScalar() && !value->scalar.empty())
            continue;
        out.push_back(finding(c.path + "/resources/" + section + "/" + resource,
                              QStringLiteral("%1: resources.%2.%3 is unset, expected a value")
                                  .arg(describe(c), q(section), q(resource)),
                              &c));
    }
}

// params: probe (livenessProbe|readinessProbe), excludeKinds
void probe(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (!kindAllowed(r, v))
        return;
    const std::string probeName = paramString(r, "probe", "livenessProbe");
    for (const ContainerView& c : v.containers) {
        // Init and ephemeral containers cannot have probes (Kubernetes rejects them).
        if (std::string_view(c.type) != "containers")
            continue;
        const YNode* p = c.node->get(probeName);
        if (p && p->isMap())
            continue;
        out.push_back(finding(
            c.path + "/" + probeName,
            QStringLiteral("%1: %2 is unset, expected a probe").arg(describe(c), q(probeName)),
            &c));
    }
}

// ---- environment ------------------------------------------------------------------------------

bool matchesAny(const YNode* patterns, const std::string& text) {
    if (!patterns || !patterns->isSeq())
        return false;
    // Compiled once per pattern text: rules run over thousands of containers.
    thread_local QHash<QString, QRegularExpression> cache;
    const QString subject = q(text);
    for (const YNode& p : patterns->seq) {
        const QString key = q(p.scalar);
        auto it = cache.find(key);
        if (it == cache.end())
            it = cache.insert(key,
                              QRegularExpression(key, QRegularExpression::CaseInsensitiveOption));
        if (it->match(subject).hasMatch())
            return true;
    }
    return false;
}

// params: namePatterns, valuePatterns (regular expressions, case-insensitive)
void secretInEnv(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    for (const ContainerView& c : v.containers) {
        const YNode* env = c.node->get("env");
        if (!appliesTo(r, c) || !env || !env->isSeq())
            continue;
        for (std::size_t i = 0; i < env->seq.size(); ++i) {
            const YNode& e = env->seq[i];
            const YNode* name = e.get("name");
            const YNode* value = e.get("value");
            if (!name || !value || !value->isScalar() || value->scalar.empty())
                continue;
            const bool byName = matchesAny(param(r, "namePatterns"), name->scalar);
            if (!byName && !matchesAny(param(r, "valuePatterns"), value->scalar))
                continue;
            out.push_back(finding(c.path + "/env/" + std::to_string(i) + "/value",
                                  QStringLiteral("%1: env %2 holds a literal %3, expected "
                                                 "valueFrom.secretKeyRef")
                                      .arg(describe(c), q(name->scalar),
                                           byName ? QStringLiteral("secret-looking value")
                                                  : QStringLiteral("private key")),
                                  &c));
        }
    }
}

// ---- pod spec ---------------------------------------------------------------------------------

void automountToken(const Rule&, const ObjectView& v, const ObjectSet& set,
                    std::vector<Finding>& out) {
    if (!v.podSpec)
        return;
    const YNode* automount = v.podSpec->get("automountServiceAccountToken");
    bool b = true;
    if (automount && automount->asBool(b) && !b)
        return;
    if (!automount) {
        // The ServiceAccount's setting applies when the pod does not say.
        const YNode* sa = v.podSpec->get("serviceAccountName");
        if (!sa)
            sa = v.podSpec->get("serviceAccount");
        const std::string saName = sa && !sa->scalar.empty() ? sa->scalar : "default";
        const auto it = set.serviceAccounts.find(v.obj->ns + '/' + saName);
        if (it != set.serviceAccounts.end()) {
            const YNode* saAutomount = it->second->obj->root->get("automountServiceAccountToken");
            bool sb = true;
            if (saAutomount && saAutomount->asBool(sb) && !sb)
                return;
        }
    }
    Finding f = finding(v.podSpecPath + "/automountServiceAccountToken",
                        QStringLiteral("pod spec: automountServiceAccountToken is %1 (and not "
                                       "disabled on its ServiceAccount), expected false")
                            .arg(shown(automount)));
    f.fixPath = f.path;
    f.fixValue = "false";
    out.push_back(std::move(f));
}

// ---- metadata and API versions ----------------------------------------------------------------

// params: labels, annotations, kinds
void requiredMetadata(const Rule& r, const ObjectView& v, const ObjectSet&,
                      std::vector<Finding>& out) {
    if (!kindAllowed(r, v))
        return;
    for (const char* section : {"labels", "annotations"}) {
        const YNode* required = param(r, section);
        if (!required || !required->isSeq())
            continue;
        const YNode* present = v.obj->root->path(std::string("metadata/") + section);
        for (const YNode& key : required->seq) {
            if (present && present->get(key.scalar))
                continue;
            out.push_back(finding(std::string("metadata/") + section + "/" + key.scalar,
                                  QStringLiteral("metadata.%1 has no %2, expected it to be set")
                                      .arg(QLatin1String(section), q(key.scalar))));
        }
    }
}

// "1.25" -> 1025; 0 when unparsable.
int versionNumber(std::string_view v) {
    if (!v.empty() && v.front() == 'v')
        v.remove_prefix(1);
    const std::size_t dot = v.find('.');
    if (dot == std::string_view::npos)
        return 0;
    int major = 0, minor = 0;
    std::from_chars(v.data(), v.data() + dot, major);
    std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
    return major * 1000 + minor;
}

// params: kubernetesVersion, apis: [{apiVersion, kinds, deprecatedIn, removedIn, replacement}]
void deprecatedApi(const Rule& r, const ObjectView& v, const ObjectSet& set,
                   std::vector<Finding>& out) {
    const YNode* apis = param(r, "apis");
    if (!apis || !apis->isSeq())
        return;
    const std::string target = set.kubernetesVersion.isEmpty()
                                   ? paramString(r, "kubernetesVersion", "1.31")
                                   : set.kubernetesVersion.toStdString();
    for (const YNode& api : apis->seq) {
        const YNode* apiVersion = api.get("apiVersion");
        if (!apiVersion || apiVersion->scalar != v.obj->apiVersion)
            continue;
        const YNode* kinds = api.get("kinds");
        if (kinds && !listContains(kinds, v.obj->kind))
            continue;
        const YNode* removedIn = api.get("removedIn");
        const YNode* deprecatedIn = api.get("deprecatedIn");
        const YNode* replacement = api.get("replacement");
        const bool removed = removedIn && versionNumber(target) >= versionNumber(removedIn->scalar);
        const bool deprecated =
            deprecatedIn && versionNumber(target) >= versionNumber(deprecatedIn->scalar);
        if (!removed && !deprecated)
            continue;
        Finding f = finding(
            "apiVersion",
            QStringLiteral("%1 %2 is %3 in Kubernetes %4 (target %5), expected %6")
                .arg(q(v.obj->apiVersion), q(v.obj->kind),
                     removed ? QStringLiteral("removed") : QStringLiteral("deprecated"),
                     removed ? shown(removedIn) : shown(deprecatedIn), q(target),
                     replacement ? q(replacement->scalar) : QStringLiteral("a served version")));
        if (!removed) {
            f.severityOverride = true;
            f.severity = Severity::Warning;
        }
        out.push_back(std::move(f));
        return;
    }
}

// ---- services, replicas and disruption budgets ------------------------------------------------

// params: types
void serviceType(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (v.obj->kind != "Service")
        return;
    const YNode* type = v.obj->root->path("spec/type");
    if (!type || !listContains(param(r, "types"), type->scalar))
        return;
    out.push_back(finding("spec/type", QStringLiteral("Service type is %1, expected ClusterIP "
                                                      "(exposure through an Ingress or Gateway)")
                                           .arg(q(type->scalar))));
}

// Whether `labels` (a map) satisfies a label selector: a plain map (Service) or a
// LabelSelector with matchLabels/matchExpressions (PDB, workloads).
bool selectorMatches(const YNode& selector, const YNode* labels, bool labelSelector) {
    auto value = [labels](const std::string& key) -> const YNode* {
        return labels ? labels->get(key) : nullptr;
    };
    const YNode* matchLabels = labelSelector ? selector.get("matchLabels") : &selector;
    if (matchLabels && matchLabels->isMap()) {
        for (const auto& [k, want] : matchLabels->map) {
            const YNode* have = value(k);
            if (!have || have->scalar != want.scalar)
                return false;
        }
    }
    const YNode* expressions = labelSelector ? selector.get("matchExpressions") : nullptr;
    if (expressions && expressions->isSeq()) {
        for (const YNode& e : expressions->seq) {
            const YNode* key = e.get("key");
            const YNode* op = e.get("operator");
            if (!key || !op)
                return false;
            const YNode* have = value(key->scalar);
            const YNode* values = e.get("values");
            if (op->scalar == "In" && !(have && listContains(values, have->scalar)))
                return false;
            if (op->scalar == "NotIn" && have && listContains(values, have->scalar))
                return false;
            if (op->scalar == "Exists" && !have)
                return false;
            if (op->scalar == "DoesNotExist" && have)
                return false;
        }
    }
    return true;
}

void danglingService(const Rule&, const ObjectView& v, const ObjectSet& set,
                     std::vector<Finding>& out) {
    if (v.obj->kind != "Service")
        return;
    const YNode* spec = v.obj->root->get("spec");
    const YNode* selector = spec ? spec->get("selector") : nullptr;
    const YNode* type = spec ? spec->get("type") : nullptr;
    // No selector (manual Endpoints) and ExternalName Services select no pods on purpose.
    if (!selector || !selector->isMap() || selector->map.empty() ||
        (type && type->scalar == "ExternalName"))
        return;
    // Candidates share the selector's first label: the index keeps this linear in the set.
    const auto& [k0, v0] = selector->map.front();
    const auto it = set.podTemplatesByLabel.find(v.obj->ns + '\n' + k0 + '=' + v0.scalar);
    if (it != set.podTemplatesByLabel.end()) {
        for (const ObjectView* w : it->second) {
            if (selectorMatches(*selector, w->podLabels, false))
                return;
        }
    }
    QStringList pairs;
    for (const auto& [k, val] : selector->map)
        pairs << q(k) + QLatin1Char('=') + q(val.scalar);
    out.push_back(finding("spec/selector",
                          QStringLiteral("Service selector %1 matches no pod template in the "
                                         "checked objects, expected at least one")
                              .arg(pairs.join(QLatin1Char(',')))));
}

std::vector<const ObjectView*> pdbsFor(const ObjectView& w, const ObjectSet& set) {
    std::vector<const ObjectView*> found;
    const auto it = set.pdbsByNamespace.find(w.obj->ns);
    if (it == set.pdbsByNamespace.end())
        return found;
    for (const ObjectView* pdb : it->second) {
        const YNode* selector = pdb->obj->root->path("spec/selector");
        // A PDB with no selector selects nothing; {} selects every pod of the namespace.
        if (selector && selector->isMap() && selectorMatches(*selector, w.podLabels, true))
            found.push_back(pdb);
    }
    return found;
}

// params: minReplicas, kinds
void pdbPresence(const Rule& r, const ObjectView& v, const ObjectSet& set,
                 std::vector<Finding>& out) {
    if (!v.podSpec || !v.hasReplicas || !kindAllowed(r, v))
        return;
    if (v.replicas < paramInt(r, "minReplicas", 2))
        return;
    if (!pdbsFor(v, set).empty())
        return;
    out.push_back(finding(v.podSpecPath.substr(0, v.podSpecPath.rfind('/')) + "/metadata/labels",
                          QStringLiteral("%1 with %2 replicas has no PodDisruptionBudget "
                                         "selecting its pods, expected one")
                              .arg(q(v.obj->kind))
                              .arg(v.replicas)));
}

bool isZeroQuantity(const YNode* n) {
    return n && n->isScalar() && (n->scalar == "0" || n->scalar == "0%");
}

// params: workloads (all: minAvailable is compared with the replicas of static workloads and
// the minReplicas of autoscaled ones; autoscaled: only with autoscaled ones, Polaris's
// pdbMinAvailableGreaterThanHPAMinReplicas)
void pdbSanity(const Rule& r, const ObjectView& v, const ObjectSet& set,
               std::vector<Finding>& out) {
    if (v.obj->kind != "PodDisruptionBudget")
        return;
    const bool autoscaledOnly = paramString(r, "workloads", "all") == "autoscaled";
    const YNode* spec = v.obj->root->get("spec");
    const YNode* maxUnavailable = spec ? spec->get("maxUnavailable") : nullptr;
    const YNode* minAvailable = spec ? spec->get("minAvailable") : nullptr;
    if (isZeroQuantity(maxUnavailable)) {
        out.push_back(finding("spec/maxUnavailable",
                              QStringLiteral("maxUnavailable is %1: no voluntary eviction is "
                                             "ever allowed, expected at least 1")
                                  .arg(shown(maxUnavailable))));
        return;
    }
    if (minAvailable && minAvailable->isScalar() && minAvailable->scalar.size() > 1 &&
        minAvailable->scalar.back() == '%') {
        int percent = 0;
        const std::string& text = minAvailable->scalar;
        std::from_chars(text.data(), text.data() + text.size() - 1, percent);
        if (percent >= 100)
            out.push_back(finding("spec/minAvailable",
                                  QStringLiteral("minAvailable is %1: no voluntary eviction is "
                                                 "ever allowed, expected less than 100%")
                                      .arg(q(text))));
        return;
    }
    long long min = 0;
    if (!minAvailable || !minAvailable->asInt(min))
        return;
    const YNode* selector = spec->get("selector");
    if (!selector || !selector->isMap())
        return;
    const auto it = set.workloadsByNamespace.find(v.obj->ns);
    if (it == set.workloadsByNamespace.end())
        return;
    for (const ObjectView* w : it->second) {
        if (!w->hasReplicas || !selectorMatches(*selector, w->podLabels, true))
            continue;
        // An autoscaled workload may shrink to the autoscaler's minReplicas.
        const auto hpa = set.autoscaled.find(w->obj->ns + '/' + w->obj->kind + '/' + w->obj->name);
        const bool autoscaled = hpa != set.autoscaled.end();
        if (autoscaledOnly && !autoscaled)
            continue;
        const long long floor = autoscaled ? hpa->second : w->replicas;
        if (min >= floor) {
            out.push_back(finding("spec/minAvailable",
                                  QStringLiteral("minAvailable %1 ≥ %2 %3 of %4 %5: evictions "
                                                 "(node drains) are blocked, expected fewer")
                                      .arg(min)
                                      .arg(floor)
                                      .arg(autoscaled ? QStringLiteral("minReplicas (HPA)")
                                                      : QStringLiteral("replicas"))
                                      .arg(q(w->obj->kind), q(w->obj->name))));
            return;
        }
    }
}

// A Pod written as such, not created by a controller (no metadata.ownerReferences): nothing
// recreates it when its node fails or is drained, and a rollout cannot replace it.
void nakedPod(const Rule&, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (v.obj->kind != "Pod")
        return;
    const YNode* owners = v.obj->root->path("metadata/ownerReferences");
    if (owners && owners->isSeq() && !owners->seq.empty())
        return;
    out.push_back(finding("kind", QStringLiteral("Pod %1 has no ownerReferences (a bare pod): "
                                                 "nothing recreates it when its node goes, "
                                                 "expected a Deployment, StatefulSet, DaemonSet "
                                                 "or Job to own it")
                                      .arg(q(v.obj->name))));
}

// The directions a NetworkPolicy isolates (Kubernetes' defaulting: without policyTypes,
// Ingress always and Egress when it has egress rules).
void policyDirections(const YNode& spec, bool& ingress, bool& egress) {
    if (const YNode* types = spec.get("policyTypes"); types && types->isSeq()) {
        ingress = listContains(types, "Ingress");
        egress = listContains(types, "Egress");
        return;
    }
    const YNode* rules = spec.get("egress");
    ingress = true;
    egress = rules && rules->isSeq() && !rules->seq.empty();
}

// params: directions (Ingress, Egress: each must be isolated by some NetworkPolicy),
// requireWhen (namespaceHasPolicy: only namespaces with a NetworkPolicy in the set;
// namespaceInSet: also namespaces whose Namespace object is in the set; always: every
// workload). A workload's pods are covered in a direction when a NetworkPolicy
// of their namespace selects them (podSelector: matchLabels and matchExpressions, {} = every
// pod) and isolates that direction. Isolation with no rules denies all, which counts: a
// default-deny policy is the strongest coverage (Polaris asks for rules as well).
void networkPolicyCoverage(const Rule& r, const ObjectView& v, const ObjectSet& set,
                           std::vector<Finding>& out) {
    if (!v.podSpec || !kindAllowed(r, v))
        return;
    // Pods that a controller owns are checked through their controller.
    if (const YNode* owners = v.obj->root->path("metadata/ownerReferences");
        owners && owners->isSeq() && !owners->seq.empty())
        return;
    // NetworkPolicies do not apply to pods on the host's network (host-network reports them).
    bool hostNetwork = false;
    if (const YNode* h = v.podSpec->get("hostNetwork"); h && h->asBool(hostNetwork) && hostNetwork)
        return;
    const auto it = set.networkPoliciesByNamespace.find(v.obj->ns);
    const std::string when = paramString(r, "requireWhen", "namespaceHasPolicy");
    if (it == set.networkPoliciesByNamespace.end() && when != "always" &&
        !(when == "namespaceInSet" && set.namespaces.count(v.obj->ns)))
        return; // network policy is not managed in this set: a partial render says nothing
    const YNode* directions = param(r, "directions");
    const bool wantIngress = !directions || listContains(directions, "Ingress");
    const bool wantEgress = !directions || listContains(directions, "Egress");
    bool ingress = false, egress = false;
    if (it != set.networkPoliciesByNamespace.end()) {
        for (const ObjectView* np : it->second) {
            const YNode* spec = np->obj->root->get("spec");
            if (!spec || !spec->isMap())
                continue;
            const YNode* selector = spec->get("podSelector");
            // podSelector is required; an absent or null one is the empty selector: every pod.
            if (selector && selector->isMap() && !selectorMatches(*selector, v.podLabels, true))
                continue;
            bool in = false, eg = false;
            policyDirections(*spec, in, eg);
            ingress = ingress || in;
            egress = egress || eg;
        }
    }
    QStringList missing;
    if (wantIngress && !ingress)
        missing << QStringLiteral("Ingress");
    if (wantEgress && !egress)
        missing << QStringLiteral("Egress");
    if (missing.isEmpty())
        return;
    const std::string labelsPath =
        v.podSpecPath == "spec"
            ? std::string("metadata/labels")
            : v.podSpecPath.substr(0, v.podSpecPath.size() - 5) + "/metadata/labels";
    out.push_back(finding(
        labelsPath,
        QStringLiteral("%1 %2: its pods are not isolated for %3 by any NetworkPolicy of "
                       "namespace %4 in the checked objects, expected a NetworkPolicy whose "
                       "podSelector matches them with policyTypes %5")
            .arg(q(v.obj->kind), q(v.obj->name), missing.join(QStringLiteral(" and ")),
                 v.obj->ns.empty() ? QStringLiteral("(unset)") : q(v.obj->ns),
                 wantIngress && wantEgress ? QStringLiteral("Ingress and Egress")
                                           : missing.join(QStringLiteral(", ")))));
}

// The environment of an object: a label, else a namespace part (shop-prod -> prod).
std::string environmentOf(const Rule& r, const ObjectView& v) {
    const YNode* envs = param(r, "environments");
    const YNode* labels = v.obj->root->path("metadata/labels");
    if (const YNode* keys = param(r, "environmentLabels"); keys && keys->isSeq() && labels) {
        for (const YNode& k : keys->seq) {
            if (const YNode* l = labels->get(k.scalar))
                return l->scalar;
        }
    }
    if (!envs || !envs->isMap())
        return {};
    std::string_view ns = v.obj->ns;
    while (!ns.empty()) {
        const std::size_t sep = ns.find_first_of("-.");
        const std::string_view part = ns.substr(0, sep);
        if (envs->get(part))
            return std::string(part);
        ns = sep == std::string_view::npos ? std::string_view{} : ns.substr(sep + 1);
    }
    return {};
}

// params: default, environments {env: min}, environmentLabels, kinds
void minReplicas(const Rule& r, const ObjectView& v, const ObjectSet& set,
                 std::vector<Finding>& out) {
    if (!v.hasReplicas || !kindAllowed(r, v))
        return;
    // An autoscaler owns the replica count of its target.
    if (set.autoscaled.count(v.obj->ns + '/' + v.obj->kind + '/' + v.obj->name))
        return;
    const std::string env = environmentOf(r, v);
    long long min = paramInt(r, "default", 2);
    if (const YNode* envs = param(r, "environments"); envs && !env.empty()) {
        long long m = 0;
        if (const YNode* e = envs->get(env); e && e->asInt(m))
            min = m;
    }
    if (v.replicas >= min)
        return;
    const YNode* replicas = v.obj->root->path("spec/replicas");
    Finding f = finding(
        "spec/replicas",
        QStringLiteral("replicas is %1, expected at least %2%3")
            .arg(replicas ? shown(replicas) : QStringLiteral("unset (1)"))
            .arg(min)
            .arg(env.empty() ? QString() : QStringLiteral(" in environment %1").arg(q(env))));
    f.fixPath = "spec/replicas";
    f.fixValue = std::to_string(min);
    out.push_back(std::move(f));
}

// params: field (of the pod spec), nonEmpty (a list or map must have items), kinds/excludeKinds
void podSpecRequired(const Rule& r, const ObjectView& v, const ObjectSet&,
                     std::vector<Finding>& out) {
    if (!v.podSpec || !kindAllowed(r, v))
        return;
    const std::string field = paramString(r, "field");
    const YNode* value = v.podSpec->get(field);
    const bool empty = !value || value->type == YNode::Type::Null ||
                       (value->isScalar() && value->scalar.empty()) ||
                       (value->isSeq() && value->seq.empty()) ||
                       (value->isMap() && value->map.empty());
    if (!empty)
        return;
    out.push_back(
        finding(v.podSpecPath + "/" + field,
                QStringLiteral("pod spec: %1 is %2, expected it to be set")
                    .arg(q(field), value ? QStringLiteral("empty") : QStringLiteral("unset"))));
}

void ingressTls(const Rule&, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (v.obj->kind != "Ingress")
        return;
    const YNode* tls = v.obj->root->path("spec/tls");
    if (tls && tls->isSeq() && !tls->seq.empty())
        return;
    out.push_back(
        finding("spec/tls", QStringLiteral("Ingress spec.tls is %1, expected at least "
                                           "one TLS entry")
                                .arg(tls ? QStringLiteral("empty") : QStringLiteral("unset"))));
}

// ---- RBAC -------------------------------------------------------------------------------------

// The first item of `list` that is one of `values`.
std::optional<std::string> firstOf(const YNode* list,
                                   std::initializer_list<std::string_view> values) {
    if (!list || !list->isSeq())
        return std::nullopt;
    for (const YNode& item : list->seq)
        for (std::string_view value : values)
            if (item.isScalar() && item.scalar == value)
                return item.scalar;
    return std::nullopt;
}

// A rule of a Role or ClusterRole that lets its subjects exec into or attach to pods: apiGroups
// include "" or "*", resources "*", pods/exec or pods/attach, and verbs "*", create or get (a
// websocket exec is a GET). Polaris's clusterrolePodExecAttach/rolePodExecAttach definition.
struct RbacGrant {
    std::size_t index = 0; // of the rule in `rules`
    std::string verb;
    std::string resource;
};

std::optional<RbacGrant> execAttachRule(const YNode& rule, std::size_t index) {
    if (!rule.isMap() || !firstOf(rule.get("apiGroups"), {"", "*"}))
        return std::nullopt;
    const auto resource = firstOf(rule.get("resources"), {"pods/exec", "pods/attach", "*"});
    const auto verb = firstOf(rule.get("verbs"), {"create", "get", "*"});
    if (!resource || !verb)
        return std::nullopt;
    return RbacGrant{index, *verb, *resource};
}

std::optional<RbacGrant> execAttachGrant(const YNode* rules) {
    if (!rules || !rules->isSeq())
        return std::nullopt;
    for (std::size_t i = 0; i < rules->seq.size(); ++i)
        if (auto grant = execAttachRule(rules->seq[i], i))
            return grant;
    return std::nullopt;
}

// A rule equivalent to cluster-admin's: every API group ("*"), every resource ("*") and every
// verb ("*", or all seven of get, list, watch, create, update, patch and delete). Polaris asks
// for exactly those seven; a list with more verbs grants at least as much, so it counts too.
std::optional<RbacGrant> clusterAdminGrant(const YNode* rules) {
    if (!rules || !rules->isSeq())
        return std::nullopt;
    for (std::size_t i = 0; i < rules->seq.size(); ++i) {
        const YNode& rule = rules->seq[i];
        if (!rule.isMap() || !firstOf(rule.get("apiGroups"), {"*"}) ||
            !firstOf(rule.get("resources"), {"*"}))
            continue;
        const YNode* verbs = rule.get("verbs");
        if (firstOf(verbs, {"*"}))
            return RbacGrant{i, "*", "*"};
        bool all = true;
        for (std::string_view verb :
             {"get", "list", "watch", "create", "update", "patch", "delete"})
            all = all && firstOf(verbs, {verb});
        if (all)
            return RbacGrant{i, "every verb", "*"};
    }
    return std::nullopt;
}

// Names of Kubernetes' own roles and bindings, which Polaris leaves alone too: system:* (the
// control plane's) and GKE's calico binding. (admin, edit, view and cluster-admin are handled
// where their meaning differs: as roles, as bindings, as references.)
bool isDefaultRbacName(const std::string& name) {
    return name.rfind("system:", 0) == 0 || name == "gce:podsecuritypolicy:calico-sa";
}

// A Role or ClusterRole that lets its subjects exec into or attach to pods. The defaults
// Kubernetes ships (admin, edit, cluster-admin, system:*) are left alone, as Polaris does:
// binding them is what rbac-binding-pod-exec-attach reports.
void rbacPodExecAttach(const Rule&, const ObjectView& v, const ObjectSet&,
                       std::vector<Finding>& out) {
    const bool clusterRole = v.obj->kind == "ClusterRole";
    if (!clusterRole && v.obj->kind != "Role")
        return;
    const std::string& name = v.obj->name;
    if (isDefaultRbacName(name) ||
        (clusterRole && (name == "admin" || name == "edit" || name == "cluster-admin")))
        return;
    const YNode* rules = v.obj->root->get("rules");
    if (!rules || !rules->isSeq())
        return;
    for (std::size_t i = 0; i < rules->seq.size(); ++i) {
        const auto grant = execAttachRule(rules->seq[i], i);
        if (!grant)
            continue;
        out.push_back(finding("rules/" + std::to_string(i),
                              QStringLiteral("%1 %2: rule %3 allows %4 on %5, which lets its "
                                             "subjects run commands in pods")
                                  .arg(q(v.obj->kind), q(name))
                                  .arg(i)
                                  .arg(q(grant->verb), q(grant->resource))));
    }
}

// params: grants (clusterAdmin | podExecAttach), bindingKinds (default both), roleKinds
// (default both). A ClusterRoleBinding or RoleBinding whose roleRef grants cluster-admin (the
// cluster-admin ClusterRole, or a role with every verb on every resource of every group), or
// exec/attach into pods. The bound role is looked up in the set: a Role in the binding's
// namespace, a ClusterRole by name. Kubernetes' default bindings (system:*, the
// cluster-admin ClusterRoleBinding) are exempt, as in Polaris.
void rbacBinding(const Rule& r, const ObjectView& v, const ObjectSet& set,
                 std::vector<Finding>& out) {
    const std::string& kind = v.obj->kind;
    const bool clusterBinding = kind == "ClusterRoleBinding";
    if (!clusterBinding && kind != "RoleBinding")
        return;
    if (const YNode* kinds = param(r, "bindingKinds"); kinds && !listContains(kinds, kind))
        return;
    const std::string& name = v.obj->name;
    if (isDefaultRbacName(name) || (clusterBinding && name == "cluster-admin"))
        return;
    const YNode* ref = v.obj->root->get("roleRef");
    const YNode* refKindNode = ref ? ref->get("kind") : nullptr;
    const YNode* refNameNode = ref ? ref->get("name") : nullptr;
    if (!refKindNode || !refNameNode || refNameNode->scalar.empty())
        return; // not a valid binding: the API server refuses it
    const std::string& refKind = refKindNode->scalar;
    const std::string& refName = refNameNode->scalar;
    const bool refClusterRole = refKind == "ClusterRole";
    if (!refClusterRole && (refKind != "Role" || clusterBinding))
        return; // a ClusterRoleBinding cannot reference a Role
    if (const YNode* kinds = param(r, "roleKinds"); kinds && !listContains(kinds, refKind))
        return;

    const ObjectView* role = nullptr;
    if (refClusterRole) {
        const auto it = set.clusterRoles.find(refName);
        role = it == set.clusterRoles.end() ? nullptr : it->second;
    } else {
        const auto it = set.roles.find(v.obj->ns + '/' + refName);
        role = it == set.roles.end() ? nullptr : it->second;
    }
    const YNode* rules = role ? role->obj->root->get("rules") : nullptr;
    // Where the grant applies: a RoleBinding grants even a ClusterRole's rules only in its own
    // namespace.
    const QString scope = clusterBinding      ? QStringLiteral("in every namespace")
                          : v.obj->ns.empty() ? QStringLiteral("in the binding's namespace")
                                              : QStringLiteral("in namespace %1").arg(q(v.obj->ns));
    const QString subject =
        QStringLiteral("%1 %2 binds %3 %4").arg(q(kind), q(name), q(refKind), q(refName));
    const std::string aspect = paramString(r, "grants", "clusterAdmin");
    if (aspect == "clusterAdmin") {
        if (refClusterRole && refName == "cluster-admin") {
            out.push_back(finding("roleRef/name",
                                  QStringLiteral("%1: Kubernetes' superuser role, every verb on "
                                                 "every resource %2; expected a role with only "
                                                 "the permissions its subjects need")
                                      .arg(subject, scope)));
            return;
        }
        // A role absent from the set is not taken for cluster-admin (nothing says it is);
        // rbac-binding-pod-exec-attach reports bindings it cannot verify.
        if (const auto grant = clusterAdminGrant(rules))
            out.push_back(finding("roleRef/name",
                                  QStringLiteral("%1, whose rule %2 grants %3 on every resource "
                                                 "of every API group %4 (cluster-admin in all "
                                                 "but name); expected explicit groups, "
                                                 "resources and verbs")
                                      .arg(subject)
                                      .arg(grant->index)
                                      .arg(q(grant->verb), scope)));
        return;
    }
    // podExecAttach. Kubernetes' default ClusterRoles: the API server reconciles them at start,
    // so their rules are known whatever the set says.
    if (refClusterRole && refName == "view")
        return; // read-only: no exec, no attach
    if (refClusterRole && (refName == "cluster-admin" || refName == "admin" || refName == "edit")) {
        out.push_back(finding("roleRef/name",
                              QStringLiteral("%1: Kubernetes' default %2 role allows create on "
                                             "pods/exec and pods/attach %3; expected a role "
                                             "without exec or attach (or view)")
                                  .arg(subject, q(refName), scope)));
        return;
    }
    if (!role) {
        // Polaris fails these too: a binding to a role nobody can see may grant anything.
        out.push_back(finding("roleRef/name",
                              QStringLiteral("%1, which is not among the checked objects, so "
                                             "whether it allows exec or attach into pods %2 "
                                             "cannot be verified; expected the %3 in the same "
                                             "set")
                                  .arg(subject, scope, q(refKind))));
        return;
    }
    if (const auto grant = execAttachGrant(rules))
        out.push_back(finding("roleRef/name",
                              QStringLiteral("%1, whose rule %2 allows %3 on %4 %5: the "
                                             "subjects can run commands in those pods; expected "
                                             "no exec or attach")
                                  .arg(subject)
                                  .arg(grant->index)
                                  .arg(q(grant->verb), q(grant->resource), scope)));
}

// params: aspect (min: spec.minReplicas ≥ minReplicas, Kubernetes' default 1 when absent;
// max: maxReplicas above minReplicas, so the autoscaler can scale at all)
void hpaReplicas(const Rule& r, const ObjectView& v, const ObjectSet&, std::vector<Finding>& out) {
    if (v.obj->kind != "HorizontalPodAutoscaler")
        return;
    const YNode* minNode = v.obj->root->path("spec/minReplicas");
    const YNode* maxNode = v.obj->root->path("spec/maxReplicas");
    long long min = 1, max = 0;
    if (minNode)
        minNode->asInt(min);
    const std::string aspect = paramString(r, "aspect", "min");
    const long long wantMin = paramInt(r, "minReplicas", 2);
    if (aspect == "min" && min < wantMin) {
        Finding f = finding("spec/minReplicas",
                            QStringLiteral("minReplicas is %1, expected at least %2")
                                .arg(minNode ? shown(minNode) : QStringLiteral("unset (1)"))
                                .arg(wantMin));
        f.fixPath = "spec/minReplicas";
        f.fixValue = std::to_string(wantMin);
        out.push_back(std::move(f));
    }
    if (aspect == "max" && (!maxNode || !maxNode->asInt(max) || max <= min))
        out.push_back(finding("spec/maxReplicas",
                              QStringLiteral("maxReplicas is %1 with minReplicas %2: the "
                                             "autoscaler cannot scale, expected more than %2")
                                  .arg(shown(maxNode))
                                  .arg(min)));
}

// params: namePatterns, valuePatterns (as secretInEnv, over ConfigMap data keys and values)
void configMapSecrets(const Rule& r, const ObjectView& v, const ObjectSet&,
                      std::vector<Finding>& out) {
    if (v.obj->kind != "ConfigMap")
        return;
    const YNode* data = v.obj->root->get("data");
    if (!data || !data->isMap())
        return;
    for (const auto& [key, value] : data->map) {
        const bool byName = matchesAny(param(r, "namePatterns"), key);
        if (!byName && !matchesAny(param(r, "valuePatterns"), value.scalar))
            continue;
        out.push_back(
            finding("data/" + key, QStringLiteral("ConfigMap key %1 holds a %2, expected it in a "
                                                  "Secret")
                                       .arg(q(key), byName ? QStringLiteral("secret-looking value")
                                                           : QStringLiteral("private key"))));
    }
}

// Custom rules and imported Polaris checks: the logic is the rule's compiled data.
void custom(const Rule& r, const ObjectView& v, const ObjectSet& set, std::vector<Finding>& out) {
    if (r.custom)
        r.custom->evaluate(r, v, set, out);
}

} // namespace

QStringList knownChecks() {
    QStringList names;
    for (const auto& [name, fn] : checkRegistry())
        if (name != "custom") // needs compiled data: not usable from a pack file
            names << q(name);
    names.sort();
    return names;
}

const std::unordered_map<std::string, CheckFn>& checkRegistry() {
    static const std::unordered_map<std::string, CheckFn> registry = {
        {"securityContextField", &securityContextField},
        {"runAsNonRoot", &runAsNonRoot},
        {"sccAssignedField", &sccAssignedField},
        {"podSpecField", &podSpecField},
        {"hostPathVolume", &hostPathVolume},
        {"hostPort", &hostPort},
        {"capabilitiesAdded", &capabilitiesAdded},
        {"capabilitiesDropAll", &capabilitiesDropAll},
        {"seccompProfile", &seccompProfile},
        {"imageTag", &imageTag},
        {"imageDigest", &imageDigest},
        {"allowedRegistries", &allowedRegistries},
        {"pullPolicy", &pullPolicy},
        {"containerResource", &containerResource},
        {"probe", &probe},
        {"secretInEnv", &secretInEnv},
        {"automountToken", &automountToken},
        {"requiredMetadata", &requiredMetadata},
        {"deprecatedApi", &deprecatedApi},
        {"serviceType", &serviceType},
        {"danglingService", &danglingService},
        {"pdbPresence", &pdbPresence},
        {"pdbSanity", &pdbSanity},
        {"minReplicas", &minReplicas},
        {"podSpecRequired", &podSpecRequired},
        {"ingressTls", &ingressTls},
        {"rbacPodExecAttach", &rbacPodExecAttach},
        {"rbacBinding", &rbacBinding},
        {"linuxHardening", &linuxHardening},
        {"nakedPod", &nakedPod},
        {"networkPolicyCoverage", &networkPolicyCoverage},
        {"hpaReplicas", &hpaReplicas},
        {"configMapSecrets", &configMapSecrets},
        {"custom", &custom},
    };
    return registry;
}

} // namespace sextant::policy

using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// <c>signed-commits</c>: every commit of the pull request carries a signature GitHub verified, of a kind and by a
/// signer the policy accepts.
/// <para><b>Trigger</b>: <c>pull_request</c> opened, synchronize, reopened, ready_for_review; re-run requests.</para>
/// <para><b>Conditions</b>: for each commit, in this order —
/// <c>verification.verified</c> is true (any other <c>reason</c>, unknown ones included, is unverified);
/// a commit GitHub made and signed itself (committer <c>web-flow</c>: web edits, "Update branch", merges from the UI)
/// counts exactly when <see cref="SignedCommitsPolicy.AllowWebFlow"/> is set, whatever its key kind, because that
/// switch is the policy's decision about GitHub's own key;
/// otherwise the signature's kind is in <see cref="SignedCommitsPolicy.AllowedKinds"/> (a verified signature of
/// unrecognised kind counts only when every kind is allowed), and, when
/// <see cref="SignedCommitsPolicy.AllowedSigners"/> is not empty, the verified committer's login is in it
/// (case-insensitive). A pull request with more commits than GitHub's commits API lists (250) cannot be fully
/// verified.</para>
/// <para><b>Outcome</b>: pass when every commit meets the conditions, each listed with its kind and signer; fail
/// naming each commit that does not, with GitHub's <c>verification.reason</c> or the policy rule it breaks and how to
/// fix it; error (fail closed) when commits are missing from the facts; skipped when disabled.</para>
/// </summary>
public sealed class SignedCommitsControl : IControl
{
    public const string ControlId = "signed-commits";

    private static readonly ImmutableArray<SignatureKind> AllKinds = [.. Enum.GetValues<SignatureKind>()];

    public string Id => ControlId;

    public string Name => "Signed commits";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pr = context.PullRequest;
        var policy = context.Policy.SignedCommits;

        if (!policy.Enabled)
        {
            return new ControlResult { Id = Id, Name = Name, Status = ControlStatus.Skipped, Summary = "Disabled by policy." };
        }

        if (pr.ReportedCommitCount > FinGuardPolicy.CommitReadLimit)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Error,
                Summary = $"This pull request has {pr.ReportedCommitCount} commits; FinGuard reads at most {FinGuardPolicy.CommitReadLimit}, so their signatures cannot all be verified.",
                HowToFix = $"Split the change into pull requests of at most {FinGuardPolicy.CommitReadLimit} commits, or squash commits on the branch.",
            };
        }

        if (pr.Commits.Length < pr.ReportedCommitCount)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Error,
                Summary = $"GitHub reported {pr.ReportedCommitCount} commits but listed only {pr.Commits.Length}; FinGuard will not pass commits it has not seen.",
                HowToFix = "Re-run FinGuard. If this persists, push again to refresh the pull request.",
            };
        }

        var rules = new SigningRules(
            policy.AllowedKinds.IsDefault ? AllKinds : policy.AllowedKinds,
            policy.AllowWebFlow,
            policy.AllowedSigners.IsDefault ? [] : policy.AllowedSigners);
        var verdicts = pr.Commits.Select(c => (Commit: c, Verdict: rules.Judge(c))).ToList();
        var details = verdicts.Select(v => new ResultDetail(v.Commit.ShortSha, v.Verdict.Ok, v.Verdict.Message)).ToImmutableArray();

        var unverified = verdicts.Count(v => v.Verdict.Problem == SigningProblem.Unverified);
        var rejected = verdicts.Count(v => v.Verdict.Problem is not (SigningProblem.None or SigningProblem.Unverified));
        if (unverified + rejected == 0)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Pass,
                Summary = pr.Commits.Length == 1 ? "The commit has a verified signature." : $"All {pr.Commits.Length} commits have verified signatures.",
                Details = details,
            };
        }

        var total = pr.Commits.Length;
        var summary = (unverified, rejected) switch
        {
            (_, 0) => $"{unverified} of {total} commits {IsAre(unverified)} not signed with a verified signature.",
            (0, _) => $"{rejected} of {total} commits {IsAre(rejected)} signed in a way this policy does not accept.",
            _ => $"{unverified + rejected} of {total} commits do not meet the signing policy: {unverified} not signed with a verified signature, {rejected} signed in a way this policy does not accept.",
        };

        var fixes = verdicts.Where(v => !v.Verdict.Ok).Select(v => v.Verdict.Fix).Distinct(StringComparer.Ordinal);
        var tail = unverified > 0 && rejected == 0
            ? "Then rewrite the unverified commits so they are signed (for example `git rebase --exec 'git commit --amend --no-edit -S' <base>`) and force-push."
            : "Then rewrite the failing commits so they are signed as required (for example `git rebase --exec 'git commit --amend --no-edit -S' <base>`) and force-push.";

        return new ControlResult
        {
            Id = Id,
            Name = Name,
            Status = ControlStatus.Fail,
            Summary = summary,
            Details = details,
            HowToFix = string.Join('\n', fixes) + "\n" + tail,
        };
    }

    private static string IsAre(int count) => count == 1 ? "is" : "are";

    /// <summary>"a gpg key", "an ssh key", "an smime key" (said letter by letter).</summary>
    private static string Article(string kinds) => kinds.StartsWith('s') ? "an" : "a";

    /// <summary>The lower-case name used in messages and policy files: <c>gpg</c>, <c>ssh</c>, <c>smime</c>.</summary>
    internal static string KindName(SignatureKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The <c>git config gpg.format</c> value that signs with <paramref name="kind"/>.</summary>
    private static string GitFormat(SignatureKind kind) => kind switch
    {
        SignatureKind.Gpg => "openpgp",
        SignatureKind.Ssh => "ssh",
        _ => "x509",
    };

    /// <summary>"gpg", "gpg or ssh", "gpg, ssh or smime".</summary>
    private static string OrList(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "none",
            1 => list[0],
            _ => $"{string.Join(", ", list.Take(list.Count - 1))} or {list[^1]}",
        };
    }

    private enum SigningProblem
    {
        None,
        Unverified,
        WebFlowNotAllowed,
        KindNotAllowed,
        SignerNotAllowed,
    }

    private sealed record Verdict(SigningProblem Problem, string Message, string Fix)
    {
        public bool Ok => Problem == SigningProblem.None;
    }

    private sealed record SigningRules(ImmutableArray<SignatureKind> AllowedKinds, bool AllowWebFlow, ImmutableArray<string> AllowedSigners)
    {
        public Verdict Judge(CommitFact commit)
        {
            var verification = commit.Verification;
            if (!verification.Verified)
            {
                return new Verdict(
                    SigningProblem.Unverified,
                    $"Not verified: `{verification.Reason}` — {Explain(verification.Reason)} ({commit.Headline})",
                    $"`{verification.Reason}`: {HowToFix(verification.Reason)}");
            }

            if (commit.IsWebFlow)
            {
                return AllowWebFlow
                    ? new Verdict(SigningProblem.None, $"Verified signature by GitHub (`web-flow`, a commit made on github.com), allowed by this policy — {commit.Headline}", "")
                    : new Verdict(
                        SigningProblem.WebFlowNotAllowed,
                        $"Signed by GitHub (`web-flow`, a commit made on github.com), but this repository does not accept GitHub's signature — {commit.Headline}",
                        "Commits made on github.com (web edits, \"Update branch\", suggestions) are signed by GitHub, which this policy does not accept: recreate them locally and sign them with your own key.");
            }

            var kind = verification.Kind;
            var allowed = OrList(AllowedKinds.Distinct().Select(KindName));
            if (kind is null && !AllKinds.All(AllowedKinds.Contains))
            {
                return new Verdict(
                    SigningProblem.KindNotAllowed,
                    $"Signed with a signature kind FinGuard does not recognise, but this repository allows only {allowed} — {commit.Headline}",
                    $"Sign with {Article(allowed)} {allowed} key so the signature's kind can be checked.");
            }

            if (kind is { } k && !AllowedKinds.Contains(k))
            {
                var use = AllowedKinds.Distinct().ToList();
                return use.Count == 0
                    ? new Verdict(
                        SigningProblem.KindNotAllowed,
                        $"Signed with {KindName(k)}, but this repository allows no signature kind — {commit.Headline}",
                        "This policy allows no signature kind (its allowed kinds are empty); ask the policy owner to fix it.")
                    : new Verdict(
                        SigningProblem.KindNotAllowed,
                        $"Signed with {KindName(k)}, but this repository allows only {allowed} — {commit.Headline}",
                        $"`{KindName(k)}` signatures are not accepted: sign with {Article(allowed)} {allowed} key (`git config gpg.format {GitFormat(use[0])}`) registered on your GitHub account as a signing key.");
            }

            var signer = commit.Committer?.Login;
            if (AllowedSigners.Length > 0 && (signer is null || !AllowedSigners.Contains(signer, StringComparer.OrdinalIgnoreCase)))
            {
                var who = signer is null ? $"Signed by a committer without a GitHub account ({commit.CommitterEmail ?? "no email"})" : $"Signed by `{signer}`";
                return new Verdict(
                    SigningProblem.SignerNotAllowed,
                    $"{who}, who is not an allowed signer ({string.Join(", ", AllowedSigners)}) — {commit.Headline}",
                    $"Only these accounts may sign commits here: {string.Join(", ", AllowedSigners)}. Have one of them sign the commits (as committer), or ask the policy owner to add the signer.");
            }

            var kindText = kind is { } known ? $"{KindName(known)} signature" : "signature";
            var by = signer is null ? "" : $" by `{signer}`";
            return new Verdict(SigningProblem.None, $"Verified {kindText}{by} — {commit.Headline}", "");
        }
    }

    /// <summary>What GitHub's <c>verification.reason</c> means; unknown values are treated as unverified.</summary>
    internal static string Explain(string reason) => reason switch
    {
        "unsigned" => "the commit has no signature",
        "unknown_key" => "the signing key is not registered on any GitHub account",
        "no_user" => "no GitHub user is associated with the committer email",
        "unverified_email" => "the committer email is not verified on the signer's GitHub account",
        "bad_email" => "the committer email is invalid",
        "expired_key" => "the signing key has expired",
        "not_signing_key" => "the GPG key is not a signing key",
        "malformed_signature" => "the signature could not be parsed",
        "invalid" => "the signature does not match the commit",
        "unknown_signature_type" => "the signature type is not recognised",
        "gpgverify_error" or "gpgverify_unavailable" => "GitHub's signature verification service failed",
        "bad_cert" => "the S/MIME certificate is invalid",
        "ocsp_pending" or "ocsp_error" => "the certificate's revocation status could not be checked",
        "ocsp_revoked" => "the signing certificate has been revoked",
        _ => "GitHub did not verify the signature",
    };

    internal static string HowToFix(string reason) => reason switch
    {
        "unsigned" => "configure commit signing (`git config --global commit.gpgsign true` with a GPG or SSH signing key) and add the key to your GitHub account as a signing key.",
        "unknown_key" => "add the public key to your GitHub account under Settings → SSH and GPG keys (as a *signing* key).",
        "no_user" or "unverified_email" or "bad_email" => "commit with an email address that is verified on your GitHub account (`git config user.email`).",
        "expired_key" => "extend the key's expiry or create a new signing key, upload it to GitHub and re-sign.",
        "not_signing_key" => "use a key (or subkey) with signing capability.",
        "gpgverify_error" or "gpgverify_unavailable" or "ocsp_pending" or "ocsp_error" => "a transient GitHub problem: re-run FinGuard in a few minutes.",
        "ocsp_revoked" or "bad_cert" => "obtain a valid certificate and re-sign.",
        _ => "re-sign the commit with a key registered on your GitHub account.",
    };
}

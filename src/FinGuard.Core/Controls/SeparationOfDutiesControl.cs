using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// <c>separation-of-duties</c>: the change is approved, on its current head, by enough people who did not write it.
/// <para><b>Trigger</b>: <c>pull_request</c> opened, synchronize, reopened, ready_for_review, edited (base changed);
/// <c>pull_request_review</c> submitted, edited, dismissed; re-run requests.</para>
/// <para><b>Conditions</b>:
/// <list type="bullet">
/// <item>Each reviewer (by numeric account id) is judged on their <i>latest decisive</i> review: reviews are ordered by
/// submission time, then id; <c>COMMENTED</c> and <c>PENDING</c> reviews are not decisive (a comment after an approval
/// keeps the approval), <c>DISMISSED</c> is (a dismissed approval no longer counts). A state FinGuard does not know is
/// decisive and approves nothing.</item>
/// <item>An approval counts when its <c>commit_id</c> is the head SHA (approvals of older heads are listed as stale)
/// and the reviewer is eligible. With <c>ignore-update-merges</c>, also when only GitHub's update merges of the base
/// branch came after it (<see cref="UpdateMerges"/>); the details say which, or why not.</item>
/// <item>Not eligible: the pull request's author; every GitHub account that authored or committed one of its commits
/// (GitHub's own <c>web-flow</c> committer excepted); every <c>Co-authored-by</c> trailer identity (see
/// <see cref="CoAuthorTrailers"/>), matched to an account through its GitHub no-reply address or through the same
/// address on a commit whose account GitHub knows; bots; the policy's excluded approvers (logins, case-insensitive);
/// when the policy names approver teams, anyone not in at least one of them; unless the policy's
/// <c>last-pusher-cannot-approve</c> is off, whoever pushed the current head (<see cref="PullRequestSnapshot.HeadPushes"/>:
/// the sender of the verified <c>pull_request</c> delivery that set it — GitHub's "most recent reviewable push"); and,
/// with <c>require-write-access</c> (the default), anyone whose base permission on the repository
/// (<see cref="PullRequestSnapshot.ReviewerPermissions"/>) is not write or admin — including anyone whose permission
/// FinGuard could not read, which the details say. These rules are <see cref="ApproverEligibility"/>, shared with
/// break-glass and deployment approvals.</item>
/// <item>An outstanding <c>CHANGES_REQUESTED</c> (the reviewer's latest decisive review) blocks when the policy says so,
/// unless the reviewer is an author, committer, co-author, bot or excluded approver. Team membership and write access
/// are not needed to block: any other reviewer's objection stands, as on GitHub.</item>
/// </list></para>
/// <para><b>Outcome</b>: pass with at least the required number of counting approvals and nothing blocking; fail when
/// changes requested block, naming the reviewers; pending (not a pass) while approvals are missing, saying how many
/// and from whom; error (fail closed) when FinGuard cannot tell who the contributors are — a commit author or
/// committer email GitHub could not map to an account, a co-author address that matches no account, commits missing
/// from the facts — or when an approver team's members were not loaded, or when who pushed the current head is unknown
/// (FinGuard never received the delivery that set it; it does not guess); skipped when disabled. Details list every
/// reviewer and why their review did or did not count, and every contributor who cannot approve.</para>
/// </summary>
public sealed class SeparationOfDutiesControl : IControl
{
    public const string ControlId = "separation-of-duties";

    /// <summary>GitHub's own committer for commits made on github.com; it is not a person and never makes anyone ineligible.</summary>
    public const string WebFlowLogin = "web-flow";

    public string Id => ControlId;

    public string Name => "Separation of duties";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pr = context.PullRequest;
        var policy = context.Policy.SeparationOfDuties;

        if (!policy.Enabled)
        {
            return Result(ControlStatus.Skipped, "Disabled by policy.");
        }

        if (pr.ReportedCommitCount > FinGuardPolicy.CommitReadLimit)
        {
            return Result(
                ControlStatus.Error,
                $"This pull request has {pr.ReportedCommitCount} commits; FinGuard reads at most {FinGuardPolicy.CommitReadLimit}, so it cannot tell who authored all of them.",
                howToFix: $"Split the change into pull requests of at most {FinGuardPolicy.CommitReadLimit} commits, or squash commits on the branch.");
        }

        if (pr.Commits.Length < pr.ReportedCommitCount)
        {
            return Result(
                ControlStatus.Error,
                $"GitHub reported {pr.ReportedCommitCount} commits but listed only {pr.Commits.Length}; FinGuard cannot tell who authored the commits it has not seen.",
                howToFix: "Re-run FinGuard. If this persists, push again to refresh the pull request.");
        }

        var required = policy.RequiredApprovals;
        if (required < 1)
        {
            return Result(
                ControlStatus.Error,
                $"The policy requires {required} approvals; separation of duties needs at least 1.",
                howToFix: "Fix the policy: set the required approvals to 1 or more, or disable separation-of-duties.");
        }

        var excluded = policy.ExcludedApprovers.IsDefault ? [] : policy.ExcludedApprovers;
        var teams = policy.ApproverTeams.IsDefault ? [] : policy.ApproverTeams;
        var head = Short(pr.HeadSha);
        var contributors = Contributors.Collect(pr);
        var eligibility = Eligibility(pr, policy, contributors);

        // Facts FinGuard needs and does not have: fail closed.
        var problems = new List<ResultDetail>(contributors.Problems.Select(p => p.Detail));
        var fixes = new List<string>(contributors.Problems.Select(p => p.Fix));
        var missingTeams = teams.Where(t => !pr.TeamMembers.ContainsKey(t)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var team in missingTeams)
        {
            problems.Add(new ResultDetail(team, false, "the members of this approver team were not loaded, so FinGuard cannot check approvers against it"));
            fixes.Add($"`{team}`: re-run FinGuard; if this persists, check that the team exists and that FinGuard may read its members (organization permission Members: read).");
        }

        // Whoever pushed the current head cannot approve it; when FinGuard never received the delivery that set the head,
        // it cannot tell who that was.
        var pushers = policy.LastPusherCannotApprove ? pr.HeadPushes.Select(p => p.Pusher).DistinctBy(u => u.Id).ToList() : [];
        var pusherUnknown = policy.LastPusherCannotApprove && pushers.Count == 0;
        if (pusherUnknown)
        {
            problems.Add(new ResultDetail(head, false, $"FinGuard has no pull_request delivery that set the current head {head}, so it cannot tell who pushed it (whoever did cannot approve it)"));
            fixes.Add($"Push a new commit to the branch (an empty one will do: `git commit --allow-empty`), or close and reopen the pull request: GitHub then tells FinGuard who set the head, and that person cannot approve it. FinGuard does not guess who pushed {head}.");
        }

        // Every reviewer, judged on their latest decisive review.
        var reviewerDetails = new List<ResultDetail>();
        var approvers = new List<string>();
        var stale = new List<string>();
        var carriedOver = new List<string>();
        var blockers = new List<string>();
        var reviewed = new HashSet<Contributor>();
        var reviewers = pr.Reviews
            .GroupBy(r => r.User.Id)
            .Select(g => g.OrderBy(r => r.SubmittedAt ?? DateTimeOffset.MinValue).ThenBy(r => r.Id).ToList())
            .OrderBy(rs => rs[0].SubmittedAt ?? DateTimeOffset.MinValue).ThenBy(rs => rs[0].Id);
        foreach (var reviews in reviewers)
        {
            var user = reviews[^1].User;
            reviewed.UnionWith(contributors.Matching(user));

            var cannotBlock = eligibility.CannotBlock(user);
            var cannotApprove = eligibility.CannotApprove(
                user,
                teams.Length > 0 && !teams.Any(t => pr.TeamMembers.TryGetValue(t, out var members) && members.Contains(user.Login))
                    ? $"is not a member of {OrList(teams)}"
                    : null);

            var latest = reviews.LastOrDefault(r => IsDecisive(r.State));
            var state = latest?.State.ToUpperInvariant();

            // Judged once, and only for an approval of an earlier head that would otherwise be stale.
            var carried = policy.IgnoreUpdateMerges && state == "APPROVED" && cannotApprove.Count == 0 && !string.Equals(latest!.CommitId, pr.HeadSha, StringComparison.OrdinalIgnoreCase)
                ? UpdateMerges.Judge(pr, latest.CommitId)
                : null;
            string message;
            var counts = false;
            switch (state)
            {
                case null:
                    message = reviews.Any(r => string.Equals(r.State, "COMMENTED", StringComparison.OrdinalIgnoreCase))
                        ? "commented without approving"
                        : "has a review that is not submitted yet";
                    message += CannotApproveSuffix(cannotApprove);
                    break;
                case "APPROVED" when cannotApprove.Count > 0:
                    message = $"approved {ShortOrUnknown(latest!.CommitId)}, but does not count: {string.Join("; ", cannotApprove)}";
                    break;
                case "APPROVED" when string.Equals(latest!.CommitId, pr.HeadSha, StringComparison.OrdinalIgnoreCase):
                    counts = true;
                    approvers.Add(user.Login);
                    message = $"approved the current head {head} — counts";
                    break;
                case "APPROVED" when carried is { Kept: true } kept:
                    counts = true;
                    approvers.Add(user.Login);
                    carriedOver.Add(user.Login);
                    message = $"approved {ShortOrUnknown(latest.CommitId)}; since then only GitHub's update {(kept.Merges.Length == 1 ? "merge" : "merges")} {string.Join(", ", kept.Merges)} of {pr.BaseRef} (ignore-update-merges) — counts";
                    break;
                case "APPROVED":
                    stale.Add(user.Login);
                    message = $"approved {ShortOrUnknown(latest!.CommitId)}, not the current head {head} — ask them to re-approve"
                        + (carried is { Reason: { } reason } ? $" (not carried over: {reason})" : "");
                    break;
                case "CHANGES_REQUESTED" when cannotBlock.Count > 0:
                    message = $"requested changes on {ShortOrUnknown(latest!.CommitId)}, but does not block: {string.Join("; ", cannotBlock)}";
                    break;
                case "CHANGES_REQUESTED" when policy.BlockOnChangesRequested:
                    blockers.Add(user.Login);
                    message = $"requested changes on {ShortOrUnknown(latest!.CommitId)} — this blocks until they approve or the review is dismissed";
                    break;
                case "CHANGES_REQUESTED":
                    message = $"requested changes on {ShortOrUnknown(latest!.CommitId)}; not blocking under this policy" + CannotApproveSuffix(cannotApprove);
                    break;
                case "DISMISSED":
                    message = "review was dismissed, so it no longer counts" + CannotApproveSuffix(cannotApprove);
                    break;
                default:
                    message = $"latest review state `{latest!.State}` is not one FinGuard knows, so it does not count as an approval" + CannotApproveSuffix(cannotApprove);
                    break;
            }

            reviewerDetails.Add(new ResultDetail(user.Login, counts, message));
        }

        // Contributors who did not review: listed so the reader sees who cannot approve, and why.
        var bystanders = contributors.All.Where(c => !reviewed.Contains(c)).ToList();
        var reviewerIds = pr.Reviews.Select(r => r.User.Id).ToHashSet();
        var otherPushers = pushers.Where(p => !reviewerIds.Contains(p.Id) && contributors.Matching(p).Count == 0).ToList();
        var details = problems
            .Concat(reviewerDetails)
            .Concat(bystanders.Select(c => new ResultDetail(c.Login, true, $"cannot approve: {c.Roles}")))
            .Concat(otherPushers.Select(p => new ResultDetail(p.Login, true, $"cannot approve: pushed the current head {head}")))
            .ToImmutableArray();

        if (problems.Count > 0)
        {
            return Result(
                ControlStatus.Error,
                $"FinGuard cannot verify separation of duties (fail closed): {string.Join("; ", ProblemSummary(contributors.Problems, missingTeams).Concat(pusherUnknown ? [$"it does not know who pushed the current head {head}"] : []))}.",
                details,
                string.Join('\n', fixes));
        }

        var approvalCount = $"{approvers.Count} of {required} required {Plural(required, "approval", "approvals")}";
        if (blockers.Count > 0)
        {
            return Result(
                ControlStatus.Fail,
                $"Changes requested by {AndList(blockers)} block this pull request ({approvalCount} on the current head).",
                details,
                $"Address the requested changes, then ask {AndList(blockers)} to approve the current head; if the review no longer applies, someone with write access can dismiss it.");
        }

        if (approvers.Count >= required)
        {
            var tally = approvers.Count == required ? approvalCount : $"{approvers.Count} approvals, {required} required";
            return Result(
                ControlStatus.Pass,
                carriedOver.Count == 0
                    ? $"Approved on the current head {head} by {AndList(approvers)} ({tally})."
                    : $"Approved for the current head {head} by {AndList(approvers)} ({tally}; {AndList(carriedOver)} approved before GitHub updated the branch from {pr.BaseRef}, which brought only {pr.BaseRef}'s changes).",
                details);
        }

        var missing = required - approvers.Count;
        var teamClause = teams.Length > 0 ? $" and is a member of {OrList(teams)}" : "";
        var howToFix = new List<string>
        {
            $"Ask {missing} more {Plural(missing, "reviewer", "reviewers")} to approve the current head {head}.",
        };
        if (contributors.All.Count > 0)
        {
            howToFix.Add($"They cannot be {AndList(contributors.All.Select(c => $"{c.Login} ({c.Roles})"))}.");
        }

        var pushersOnly = pushers.Where(p => contributors.Matching(p).Count == 0).ToList();
        if (pushersOnly.Count > 0)
        {
            howToFix.Add($"Nor {AndList(pushersOnly.Select(p => p.Login))}, who pushed the current head {head}.");
        }

        howToFix.Add(excluded.Length > 0
            ? $"Approvals from bots and from {AndList(excluded)} (excluded by policy) do not count."
            : "Approvals from bots do not count.");
        if (policy.RequireWriteAccess)
        {
            howToFix.Add("Only approvals from people with write, maintain or admin access to the repository count.");
        }
        if (stale.Count > 0)
        {
            howToFix.Add($"{AndList(stale)} approved an older commit: ask them to approve {head}.");
        }

        return Result(
            ControlStatus.Pending,
            $"{approvalCount}; waiting for {missing} more from someone who is not an author, committer or co-author{teamClause}.",
            details,
            string.Join('\n', howToFix));
    }

    /// <summary>
    /// Who may approve this pull request (<see cref="ApproverEligibility"/>): not a contributor, not a bot, not excluded
    /// by <paramref name="policy"/>, and, when it requires write access, someone GitHub says may push.
    /// The break-glass approval of <see cref="Freeze.FreezeWindowControl"/> is held to the same rules.
    /// </summary>
    public static ApproverEligibility Eligibility(PullRequestSnapshot pr, SeparationOfDutiesPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pr);
        return Eligibility(pr, policy, Contributors.Collect(pr));
    }

    /// <summary>Whether FinGuard can tell who contributed to <paramref name="pr"/>: the details of each identity it cannot link to an account.</summary>
    public static ImmutableArray<ResultDetail> ContributorProblems(PullRequestSnapshot pr)
    {
        ArgumentNullException.ThrowIfNull(pr);
        return [.. Contributors.Collect(pr).Problems.Select(p => p.Detail)];
    }

    /// <summary><see cref="Eligibility(PullRequestSnapshot, SeparationOfDutiesPolicy)"/> and <see cref="ContributorProblems"/> from one pass over the commits.</summary>
    internal static (ApproverEligibility Eligibility, ImmutableArray<ResultDetail> Problems) EligibilityAndProblems(PullRequestSnapshot pr, SeparationOfDutiesPolicy policy)
    {
        var contributors = Contributors.Collect(pr);
        return (Eligibility(pr, policy, contributors), [.. contributors.Problems.Select(p => p.Detail)]);
    }

    private static ApproverEligibility Eligibility(PullRequestSnapshot pr, SeparationOfDutiesPolicy policy, Contributors contributors)
    {
        var eligibility = ApproverEligibility.For(
            user => contributors.Matching(user) is { Count: > 0 } matched ? string.Join("; ", matched.Select(c => c.Roles)) : null,
            policy,
            pr.ReviewerPermissions);
        if (!policy.LastPusherCannotApprove)
        {
            return eligibility;
        }

        // Whoever pushed the head cannot approve it, but may still object, as on GitHub. When FinGuard never received the
        // delivery that set the head, nobody's approval can be shown not to be the pusher's (fail closed).
        var head = Short(pr.HeadSha);
        var pushers = pr.HeadPushes.Select(p => p.Pusher.Id).ToHashSet();
        return eligibility.With(
            user => pushers.Count == 0
                ? $"FinGuard does not know who pushed the current head {head}, so it cannot tell that they did not (fail closed)"
                : pushers.Contains(user.Id) ? $"pushed the current head {head}" : null,
            identity: false);
    }

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details = default, string? howToFix = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details.IsDefault ? [] : details,
        HowToFix = howToFix,
    };

    private static bool IsDecisive(string state) =>
        !string.Equals(state, "COMMENTED", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(state, "PENDING", StringComparison.OrdinalIgnoreCase);

    private static string CannotApproveSuffix(List<string> reasons) =>
        reasons.Count > 0 ? $" (cannot approve: {string.Join("; ", reasons)})" : "";

    private static IEnumerable<string> ProblemSummary(List<IdentityProblem> problems, List<string> missingTeams)
    {
        foreach (var group in problems.GroupBy(p => p.Role))
        {
            var emails = group.Select(p => $"`{p.Detail.Subject}`").ToList();
            yield return group.Key switch
            {
                ContributorRole.Author => $"GitHub could not link the commit author {Plural(emails.Count, "email", "emails")} {AndList(emails)} to an account",
                ContributorRole.Committer => $"GitHub could not link the committer {Plural(emails.Count, "email", "emails")} {AndList(emails)} to an account",
                _ => $"the co-author {Plural(emails.Count, "identity", "identities")} {AndList(emails)} cannot be matched to a GitHub account",
            };
        }

        if (missingTeams.Count > 0)
        {
            yield return $"the members of approver {Plural(missingTeams.Count, "team", "teams")} {AndList(missingTeams.Select(t => $"`{t}`"))} were not loaded";
        }
    }

    internal static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private static string ShortOrUnknown(string? sha) => sha is null ? "an unrecorded commit" : Short(sha);

    private static string Plural(int count, string one, string many) => count == 1 ? one : many;

    /// <summary>"a", "a and b", "a, b and c".</summary>
    internal static string AndList(IEnumerable<string> items) => JoinLast(items, "and");

    /// <summary>"a", "a or b", "a, b or c".</summary>
    internal static string OrList(IEnumerable<string> items) => JoinLast(items, "or");

    private static string JoinLast(IEnumerable<string> items, string conjunction)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} {conjunction} {list[^1]}";
    }

    /// <summary>How someone contributed to the change.</summary>
    private enum ContributorRole
    {
        Author,
        Committer,
        CoAuthor,
    }

    /// <summary>A fact FinGuard needs about a contributor and cannot establish.</summary>
    private sealed record IdentityProblem(ContributorRole Role, ResultDetail Detail, string Fix);

    /// <summary>One person who contributed to the change, found by account id or (no-reply address without id) by login.</summary>
    private sealed class Contributor(string login)
    {
        private readonly List<string> authored = [];
        private readonly List<string> committed = [];
        private readonly List<string> coAuthored = [];

        public string Login { get; } = login;

        public bool OpenedPullRequest { get; set; }

        /// <summary>Why this person cannot approve, e.g. "opened this pull request; authored 01aaaaa".</summary>
        public string Roles
        {
            get
            {
                var roles = new List<string>();
                if (OpenedPullRequest)
                {
                    roles.Add("opened this pull request");
                }

                AddRole(roles, "authored", authored);
                AddRole(roles, "committed", committed);
                AddRole(roles, "co-authored", coAuthored);
                return string.Join("; ", roles);
            }
        }

        public void Add(ContributorRole role, string shortSha)
        {
            var list = role switch
            {
                ContributorRole.Author => authored,
                ContributorRole.Committer => committed,
                _ => coAuthored,
            };
            if (!list.Contains(shortSha))
            {
                list.Add(shortSha);
            }
        }

        private static void AddRole(List<string> roles, string verb, List<string> shas)
        {
            if (shas.Count > 0)
            {
                roles.Add($"{verb} {ShaList(shas)}");
            }
        }
    }

    /// <summary>"01aaaaa", "01aaaaa and 02aaaaa", "01aaaaa, 02aaaaa, 03aaaaa and 4 more".</summary>
    private static string ShaList(List<string> shas) =>
        shas.Count <= 3 ? AndList(shas) : $"{string.Join(", ", shas.Take(3))} and {shas.Count - 3} more";

    /// <summary>Everyone who contributed to the pull request, and the contributors FinGuard could not identify.</summary>
    private sealed class Contributors
    {
        private readonly List<Contributor> all = [];
        private readonly Dictionary<long, Contributor> byId = [];
        private readonly Dictionary<string, Contributor> byLoginOnly = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<IdentityProblem> problems = [];
        private readonly Dictionary<(ContributorRole, string), (List<string> Shas, string? Name, string? Trailer)> unidentified = [];

        public List<Contributor> All => all;

        public List<IdentityProblem> Problems => problems;

        public static Contributors Collect(PullRequestSnapshot pr)
        {
            var result = new Contributors();
            result.Person(pr.Author).OpenedPullRequest = true;

            // Addresses GitHub linked to accounts on this pull request's commits.
            var knownEmails = new Dictionary<string, List<GitHubUser>>(StringComparer.OrdinalIgnoreCase);
            foreach (var commit in pr.Commits)
            {
                Remember(knownEmails, commit.AuthorEmail, commit.Author);
                Remember(knownEmails, commit.CommitterEmail, commit.Committer);
            }

            foreach (var commit in pr.Commits)
            {
                var sha = commit.ShortSha;
                if (commit.Author is { } author)
                {
                    result.Person(author).Add(ContributorRole.Author, sha);
                }
                else
                {
                    result.Unidentified(ContributorRole.Author, commit.AuthorEmail, commit.AuthorName, sha, null);
                }

                if (commit.IsWebFlow)
                {
                    // GitHub itself committed (web edit, "Update branch"): not a person.
                }
                else if (commit.Committer is { } committer)
                {
                    result.Person(committer).Add(ContributorRole.Committer, sha);
                }
                else
                {
                    result.Unidentified(ContributorRole.Committer, commit.CommitterEmail, commit.CommitterName, sha, null);
                }

                foreach (var coAuthor in CoAuthorTrailers.Parse(commit.Message))
                {
                    var identified = false;
                    if (coAuthor.Email is { } email && GitHubNoreplyAddress.TryParse(email, out var id, out var login))
                    {
                        result.Person(login, id).Add(ContributorRole.CoAuthor, sha);
                        identified = true;
                    }

                    if (coAuthor.Email is { } known && knownEmails.TryGetValue(known, out var users))
                    {
                        users.ForEach(u => result.Person(u).Add(ContributorRole.CoAuthor, sha));
                        identified = true;
                    }

                    if (!identified)
                    {
                        result.Unidentified(ContributorRole.CoAuthor, coAuthor.Email, coAuthor.Name, sha, coAuthor.Trailer);
                    }
                }
            }

            foreach (var ((role, subject), (shas, name, trailer)) in result.unidentified)
            {
                result.problems.Add(Problem(role, subject, shas, name, trailer));
            }

            return result;
        }

        /// <summary>The contributors a reviewer is: by account id, or by login for those known only by login.</summary>
        public List<Contributor> Matching(GitHubUser user)
        {
            var matches = new List<Contributor>();
            if (byId.TryGetValue(user.Id, out var person))
            {
                matches.Add(person);
            }

            if (byLoginOnly.TryGetValue(user.Login, out var loginOnly))
            {
                matches.Add(loginOnly);
            }

            return matches;
        }

        private static void Remember(Dictionary<string, List<GitHubUser>> emails, string? email, GitHubUser? user)
        {
            if (email is null || user is null || user.Login == WebFlowLogin)
            {
                return;
            }

            if (!emails.TryGetValue(email, out var users))
            {
                emails[email] = users = [];
            }

            if (!users.Any(u => u.Id == user.Id))
            {
                users.Add(user);
            }
        }

        private Contributor Person(GitHubUser user) => Person(user.Login, user.Id);

        private Contributor Person(string login, long? id)
        {
            if (id is { } known)
            {
                if (!byId.TryGetValue(known, out var person))
                {
                    // Someone first known only by login (old-style no-reply address) is now seen with an account id.
                    if (byLoginOnly.Remove(login, out var seen))
                    {
                        person = seen;
                    }
                    else
                    {
                        person = new Contributor(login);
                        all.Add(person);
                    }

                    byId[known] = person;
                }

                return person;
            }

            // Known only by login (an old-style no-reply address): the same person as an account with that login, if any.
            var sameLogin = all.FirstOrDefault(c => string.Equals(c.Login, login, StringComparison.OrdinalIgnoreCase));
            if (sameLogin is not null)
            {
                return sameLogin;
            }

            if (!byLoginOnly.TryGetValue(login, out var loginOnly))
            {
                byLoginOnly[login] = loginOnly = new Contributor(login);
                all.Add(loginOnly);
            }

            return loginOnly;
        }

        private void Unidentified(ContributorRole role, string? email, string? name, string sha, string? trailer)
        {
            var subject = email ?? trailer ?? name ?? "(no email)";
            if (!unidentified.TryGetValue((role, subject), out var entry))
            {
                unidentified[(role, subject)] = entry = ([], name, trailer);
            }

            if (!entry.Shas.Contains(sha))
            {
                entry.Shas.Add(sha);
            }
        }

        private static IdentityProblem Problem(ContributorRole role, string subject, List<string> shas, string? name, string? trailer)
        {
            var commits = ShaList(shas);
            var who = name is null ? "" : $" ({name})";
            return role switch
            {
                ContributorRole.Author => new IdentityProblem(
                    role,
                    new ResultDetail(subject, false, $"author{who} of {commits}: GitHub could not link this email to an account, so FinGuard cannot prove the author is not one of the approvers"),
                    $"`{subject}` ({commits}): add and verify this email on the author's GitHub account, or rewrite the commit with a mapped email."),
                ContributorRole.Committer => new IdentityProblem(
                    role,
                    new ResultDetail(subject, false, $"committer{who} of {commits}: GitHub could not link this email to an account, so FinGuard cannot prove the committer is not one of the approvers"),
                    $"`{subject}` ({commits}): add and verify this email on the committer's GitHub account, or rewrite the commit with a mapped email."),
                _ => new IdentityProblem(
                    role,
                    new ResultDetail(subject, false, $"co-author of {commits} (`{trailer}`): this {(subject == trailer ? "trailer has no email address" : "email is not a GitHub no-reply address and no commit here links it to an account")}, so FinGuard cannot prove this person is not one of the approvers"),
                    $"`{subject}` ({commits}): write the trailer with the co-author's GitHub no-reply address (`ID+login@users.noreply.github.com`, shown under their Settings → Emails) and reword the commit."),
            };
        }
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using FinGuard.Core.CodeOwners;
using FinGuard.Core.Paths;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// <c>path-approvals</c>: changes to owned or sensitive paths are approved, on the current head, by the right people —
/// code owners (<c>separation-of-duties.code-owners</c>) and approval rules (<c>separation-of-duties.approval-rules</c>).
/// <para><b>Trigger</b>: as <see cref="SeparationOfDutiesControl"/> (pull request opened, synchronize, reopened, edited;
/// reviews submitted, edited, dismissed; re-runs).</para>
/// <para><b>Conditions</b>:
/// <list type="bullet">
/// <item>An approval counts here only when it counts for separation of duties: the reviewer's latest decisive review
/// approves the current head and <see cref="ApproverEligibility"/> finds nothing against them (not an author,
/// committer, co-author, bot, excluded approver or the pusher of the head; write access when required). The policy's
/// <c>approver-teams</c> restrict the separation-of-duties approvals, not these: a rule names its own teams.</item>
/// <item>Code owners: each changed file (a renamed file also under its previous path) is owned by the owners of the
/// last line of the base branch's CODEOWNERS that matches it (<see cref="CodeOwnersFile"/>); a file with owners needs a
/// counting approval from one of them — the user, or a member of the team (<see cref="PullRequestSnapshot.TeamMembers"/>;
/// a team whose membership was not loaded never counts, and the check says so). An email owner can never be matched to
/// an approval, since FinGuard cannot tell which account an address belongs to.</item>
/// <item>Approval rules: a rule applies when a changed file matches one of its <c>paths</c>
/// (<see cref="PathGlob.Policy"/>) and, with <c>added-lines-match</c>, an added line of such a file matches one of
/// its regular expressions — or the file's patch is missing, or a pattern times out, in which case the rule applies
/// (fail closed) and says why. An applied rule needs <c>required-approvals</c> distinct counting approvals from members
/// of its <c>approver-teams</c> (anyone when none). One approval may meet several rules and owner lines.</item>
/// </list></para>
/// <para><b>Outcome</b>: pass when every owned file and every applied rule is approved; pending while approvals are
/// missing, one row per CODEOWNERS line and per rule saying which files triggered it, who approved and what is missing;
/// error (fail closed) when the changed files were not loaded or GitHub listed fewer than the pull request has, when
/// code owners are required and the base branch's CODEOWNERS is unknown, absent or invalid (its errors with line
/// numbers), or when FinGuard cannot tell who contributed to the change; skipped when separation of duties is disabled
/// or the policy asks for neither.</para>
/// </summary>
public sealed class PathApprovalsControl : IControl
{
    public const string ControlId = "path-approvals";

    /// <summary>GitHub lists at most this many files of a pull request.</summary>
    public const int GitHubFileListLimit = 3000;

    private const int ListedFiles = 3;

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public string Id => ControlId;

    public string Name => "Code owners and approval rules";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pr = context.PullRequest;
        var policy = context.Policy.SeparationOfDuties;
        if (!policy.Enabled)
        {
            return Result(ControlStatus.Skipped, "Separation of duties is disabled by policy, and with it code owners and approval rules.");
        }

        var rules = policy.ApprovalRules.IsDefault ? [] : policy.ApprovalRules;
        if (!policy.CodeOwners && rules.IsEmpty)
        {
            return Result(ControlStatus.Skipped, "The policy requires neither code-owner approval nor approval rules.");
        }

        if (pr.ChangedFiles is not { } files)
        {
            return Result(
                ControlStatus.Error,
                "FinGuard did not load the pull request's changed files (GitHub's pulls/{number}/files; offline, files.json), so it cannot tell which code owners and approval rules apply (fail closed).",
                howToFix: "Re-run FinGuard. Offline, add files.json: GitHub's GET /repos/{owner}/{repo}/pulls/{number}/files, all pages as one array.");
        }

        if (pr.ReportedChangedFileCount is { } reported && reported > files.Length)
        {
            return Result(
                ControlStatus.Error,
                reported > GitHubFileListLimit
                    ? $"This pull request changes {reported} files; GitHub lists at most {GitHubFileListLimit}, so FinGuard cannot tell which code owners and approval rules apply to the rest (fail closed)."
                    : $"GitHub reported {reported} changed files but listed {files.Length}; FinGuard cannot tell which code owners and approval rules apply to the files it has not seen (fail closed).",
                howToFix: reported > GitHubFileListLimit
                    ? $"Split the change into pull requests of at most {GitHubFileListLimit} files."
                    : "Re-run FinGuard. Offline, files.json must hold every page of the files list.");
        }

        var (eligibility, contributorProblems) = SeparationOfDutiesControl.EligibilityAndProblems(pr, policy);
        if (!contributorProblems.IsEmpty)
        {
            return Result(
                ControlStatus.Error,
                "FinGuard cannot tell who contributed to this change, so it cannot tell whose approvals count (fail closed); see Separation of duties.",
                contributorProblems,
                "Fix what Separation of duties reports about the commits' identities, then re-run FinGuard.");
        }

        var approvals = CountingApprovals(pr, eligibility, out var notCounting);
        var details = new List<ResultDetail>(notCounting);
        var annotations = ImmutableArray.CreateBuilder<ResultAnnotation>();
        var fixes = new List<string>();
        var error = false;
        var missing = false;
        var head = SeparationOfDutiesControl.Short(pr.HeadSha);

        if (policy.CodeOwners)
        {
            var (ownersError, ownersMissing) = CheckCodeOwners(pr, files, approvals, details, annotations, fixes);
            error |= ownersError;
            missing |= ownersMissing;
        }

        var matched = MatchRules(rules, files);
        for (var r = 0; r < rules.Length; r++)
        {
            missing |= CheckRule(pr, rules[r], matched[r], approvals, details, fixes);
        }

        var unmet = details.Count(d => !d.Ok) - notCounting.Count;
        if (error)
        {
            return Result(
                ControlStatus.Error,
                "FinGuard cannot verify code-owner approval (fail closed): " + string.Join("; ", details.Where(d => !d.Ok && d.Subject.StartsWith("CODEOWNERS", StringComparison.Ordinal)).Select(d => d.Message).Take(1)) + ".",
                [.. details],
                string.Join('\n', fixes),
                annotations.ToImmutable());
        }

        if (missing)
        {
            return Result(
                ControlStatus.Pending,
                $"Waiting for approvals on the current head {head}: {unmet} {(unmet == 1 ? "requirement" : "requirements")} of code owners or approval rules not met yet.",
                [.. details],
                string.Join('\n', fixes.Append("Approvals count here only when they count for separation of duties (not from an author, committer, co-author, bot or the pusher of the head; on the current head).")));
        }

        return Result(ControlStatus.Pass, $"Every code owner and approval rule that applies is approved on the current head {head}.", [.. details]);
    }

    /// <summary>
    /// The teams whose membership the evaluation of <paramref name="files"/> may ask about: those of the CODEOWNERS
    /// lines owning the files (when code owners are required) and those of every approval rule. For the loader.
    /// </summary>
    public static IEnumerable<string> TeamsNeeded(SeparationOfDutiesPolicy policy, IEnumerable<ChangedFileFact> files, string? codeOwnersText)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(files);
        var teams = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in policy.ApprovalRules.IsDefault ? [] : policy.ApprovalRules)
        {
            teams.UnionWith(rule.ApproverTeams);
        }

        if (policy.CodeOwners && codeOwnersText is not null)
        {
            var owners = CodeOwnersFile.Parse(codeOwnersText);
            foreach (var file in files)
            {
                foreach (var path in PathsOf(file))
                {
                    if (owners.Find(path) is { } line)
                    {
                        teams.UnionWith(line.Owners.Where(o => o.Kind == CodeOwnerKind.Team).Select(o => o.Name));
                    }
                }
            }
        }

        return teams.Order(StringComparer.OrdinalIgnoreCase);
    }

    private static (bool Error, bool Missing) CheckCodeOwners(
        PullRequestSnapshot pr,
        ImmutableArray<ChangedFileFact> files,
        List<GitHubUser> approvals,
        List<ResultDetail> details,
        ImmutableArray<ResultAnnotation>.Builder annotations,
        List<string> fixes)
    {
        switch (pr.CodeOwners)
        {
            case null:
                details.Add(new ResultDetail("CODEOWNERS", false, "the base branch's CODEOWNERS was not loaded (offline: the CODEOWNERS file), so FinGuard cannot tell who owns the changed files"));
                fixes.Add("Re-run FinGuard. Offline, add CODEOWNERS: the base branch's file, as it is in the repository.");
                return (true, false);
            case { Path: null } or { Text: null }:
                details.Add(new ResultDetail("CODEOWNERS", false, $"code-owner approval is required, but the base branch {pr.BaseRef} has no CODEOWNERS file ({string.Join(", ", CodeOwnersFile.Locations)})"));
                fixes.Add($"Add a CODEOWNERS file to {pr.BaseRef} (in .github/, the root or docs/), or set separation-of-duties.code-owners: false.");
                return (true, false);
        }

        var path = pr.CodeOwners.Path!;
        var file = CodeOwnersFile.ParseCached(pr.CodeOwners.Text!);
        if (!file.IsValid)
        {
            foreach (var problem in file.Errors)
            {
                details.Add(new ResultDetail($"CODEOWNERS {path}:{problem.Line}:{problem.Column}", false, problem.Message));
                annotations.Add(new ResultAnnotation(path, problem.Line, "failure", "Invalid CODEOWNERS line", problem.Message));
            }

            details.Insert(0, new ResultDetail("CODEOWNERS", false, $"{path} on {pr.BaseRef} has {file.Errors.Length} {(file.Errors.Length == 1 ? "line" : "lines")} GitHub does not accept, so FinGuard does not use it"));
            fixes.Add($"Fix the lines of {path} listed above on {pr.BaseRef} (GitHub shows the same errors when you view the file), then re-run FinGuard.");
            return (true, false);
        }

        // Files grouped by the line that owns them, in file order.
        var groups = new Dictionary<CodeOwnersLine, List<string>>(ReferenceEqualityComparer.Instance);
        foreach (var changed in files)
        {
            Own(file, groups, changed.Path);
            if (changed.PreviousPath is { } previous && previous != changed.Path)
            {
                Own(file, groups, previous);
            }
        }

        if (groups.Count == 0)
        {
            details.Add(new ResultDetail("CODEOWNERS", true, $"no changed file has owners in {path}"));
            return (false, false);
        }

        var missing = false;
        foreach (var (line, owned) in groups.OrderBy(g => g.Key.Line))
        {
            var owners = string.Join(" ", line.Owners);
            var subject = $"CODEOWNERS {path}:{line.Line} {line.Pattern}";
            var which = $"{Count(owned.Count, "file")} ({FileList(owned)}) owned by {owners}";
            var approvedBy = approvals.Where(a => line.Owners.Any(o => IsOwner(pr, o, a))).Select(a => a.Login).ToList();
            if (approvedBy.Count > 0)
            {
                details.Add(new ResultDetail(subject, true, $"{which}: approved by {SeparationOfDutiesControl.AndList(approvedBy)}"));
                continue;
            }

            missing = true;
            var notes = OwnerNotes(pr, line.Owners).ToList();
            details.Add(new ResultDetail(subject, false, $"{which}: needs an approval of the current head from {SeparationOfDutiesControl.OrList(line.Owners.Select(o => o.ToString()))}{(notes.Count > 0 ? " (" + string.Join("; ", notes) + ")" : "")}"));
            fixes.Add($"Ask {SeparationOfDutiesControl.OrList(line.Owners.Select(o => o.ToString()))} to approve the current head (they own {FileList(owned)}).");
        }

        return (false, missing);
    }

    /// <summary>
    /// For each rule, the changed files one of whose paths match its <c>paths</c>, with the path that matched: one pass
    /// over the files through an index of every rule's patterns.
    /// </summary>
    private static List<(ChangedFileFact File, string Path)>[] MatchRules(ImmutableArray<ApprovalRule> rules, ImmutableArray<ChangedFileFact> files)
    {
        var index = new PathGlobIndex<int>();
        var matched = new List<(ChangedFileFact, string)>[rules.Length];
        for (var r = 0; r < rules.Length; r++)
        {
            matched[r] = [];
            foreach (var pattern in rules[r].Paths)
            {
                index.Add(PathGlob.Policy(pattern), r);
            }
        }

        var hits = new List<int>();
        var last = new int[rules.Length];
        Array.Fill(last, -1);
        for (var f = 0; f < files.Length; f++)
        {
            var file = files[f];
            for (var p = 0; p < 2; p++)
            {
                var path = p == 0 ? file.Path : file.PreviousPath;
                if (path is null || (p == 1 && path == file.Path))
                {
                    continue;
                }

                hits.Clear();
                index.FindAll(path, hits);
                foreach (var r in hits)
                {
                    if (last[r] != f)
                    {
                        last[r] = f;
                        matched[r].Add((file, path));
                    }
                }
            }
        }

        return matched;
    }

    /// <summary>Checks one rule against the files whose paths match it; true when it applies and is not met.</summary>
    private static bool CheckRule(
        PullRequestSnapshot pr, ApprovalRule rule, List<(ChangedFileFact File, string Path)> matching, List<GitHubUser> approvals, List<ResultDetail> details, List<string> fixes)
    {
        var triggers = new List<string>();
        var pathMatches = matching.Count;
        foreach (var (file, matchedPath) in matching)
        {
            if (rule.AddedLinesMatch.IsDefaultOrEmpty)
            {
                triggers.Add(matchedPath);
            }
            else if (ContentTrigger(rule, file) is { } why)
            {
                triggers.Add($"{matchedPath} ({why})");
            }
        }

        if (triggers.Count == 0)
        {
            details.Add(new ResultDetail(rule.Name, true, pathMatches == 0
                ? "does not apply: no changed file matches its paths"
                : $"does not apply: {Count(pathMatches, "changed file")} {(pathMatches == 1 ? "matches" : "match")} its paths, but no added line matches its patterns"));
            return false;
        }

        var teams = rule.ApproverTeams.IsDefault ? [] : rule.ApproverTeams;
        var approvedBy = approvals
            .Where(a => teams.Length == 0 || teams.Any(t => pr.TeamMembers.TryGetValue(t, out var members) && members.Contains(a.Login)))
            .Select(a => a.Login)
            .ToList();
        var required = rule.RequiredApprovals;
        var tally = $"{Math.Min(approvedBy.Count, required)} of {required} required {(required == 1 ? "approval" : "approvals")}";
        var from = teams.Length == 0 ? "" : $" from a member of {SeparationOfDutiesControl.OrList(teams)}";
        var which = $"applies to {Count(triggers.Count, "file")}: {FileList(triggers)}";
        if (approvedBy.Count >= required)
        {
            details.Add(new ResultDetail(rule.Name, true, $"{which} — {tally}{from}: {SeparationOfDutiesControl.AndList(approvedBy)}"));
            return false;
        }

        var unknownTeams = teams.Where(t => !pr.TeamMembers.ContainsKey(t)).ToList();
        var more = required - approvedBy.Count;
        var approvedNote = approvedBy.Count > 0 ? $"; approved by {SeparationOfDutiesControl.AndList(approvedBy)}" : "";
        var unknownNote = unknownTeams.Count > 0
            ? $"; the members of {SeparationOfDutiesControl.AndList(unknownTeams)} were not loaded, so no approval counts for {(unknownTeams.Count == 1 ? "it" : "them")}"
            : "";
        details.Add(new ResultDetail(rule.Name, false, $"{which} — {tally}{from}{approvedNote}; needs {more} more{unknownNote}"));
        fixes.Add($"{rule.Name}: ask {more} more {(more == 1 ? "reviewer" : "reviewers")}{(teams.Length == 0 ? "" : $" who {(teams.Length == 1 ? "is a member" : "are members")} of {SeparationOfDutiesControl.OrList(teams)}")} to approve the current head.");
        return true;
    }

    /// <summary>Why <paramref name="file"/> triggers a content rule, or null when no added line matches.</summary>
    private static string? ContentTrigger(ApprovalRule rule, ChangedFileFact file)
    {
        if (file.Patch is null)
        {
            return "GitHub did not include its patch (too large or binary), so FinGuard cannot read its added lines; the rule applies (fail closed)";
        }

        foreach (var (number, text) in AddedLines(file.Patch))
        {
            foreach (var pattern in rule.AddedLinesMatch)
            {
                try
                {
                    if (Compiled(pattern).IsMatch(text))
                    {
                        return $"line {number.ToString(CultureInfo.InvariantCulture)} matches `{pattern}`: `{Shorten(text.Trim())}`";
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    return $"`{pattern}` ran longer than {ApprovalRule.MatchTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms on line {number.ToString(CultureInfo.InvariantCulture)}; the rule applies (fail closed)";
                }
            }
        }

        return null;
    }

    /// <summary>The added lines of a patch (GitHub's hunks, without file headers) with their line numbers in the new file.</summary>
    internal static IEnumerable<(int Number, string Text)> AddedLines(string patch)
    {
        var next = 0;
        foreach (var raw in patch.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                // "@@ -a,b +c,d @@": the hunk's first line in the new file is c.
                var plus = line.IndexOf('+', StringComparison.Ordinal);
                var end = plus < 0 ? -1 : line.IndexOfAny([',', ' '], plus);
                next = plus >= 0 && end > plus && int.TryParse(line.AsSpan(plus + 1, end - plus - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 0;
            }
            else if (line.StartsWith('+'))
            {
                yield return (next++, line[1..]);
            }
            else if (line.StartsWith(' '))
            {
                next++;
            }
        }
    }

    /// <summary>Reviewers whose latest decisive review approves the current head and who are eligible; the others, with why not.</summary>
    private static List<GitHubUser> CountingApprovals(PullRequestSnapshot pr, ApproverEligibility eligibility, out List<ResultDetail> notCounting)
    {
        var counting = new List<GitHubUser>();
        notCounting = [];
        var byReviewer = pr.Reviews
            .GroupBy(r => r.User.Id)
            .Select(g => g.OrderBy(r => r.SubmittedAt ?? DateTimeOffset.MinValue).ThenBy(r => r.Id).ToList())
            .OrderBy(rs => rs[0].SubmittedAt ?? DateTimeOffset.MinValue).ThenBy(rs => rs[0].Id);
        foreach (var reviews in byReviewer)
        {
            var latest = reviews.LastOrDefault(r => !string.Equals(r.State, "COMMENTED", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(r.State, "PENDING", StringComparison.OrdinalIgnoreCase));
            if (latest is null || !string.Equals(latest.State, "APPROVED", StringComparison.OrdinalIgnoreCase)
                || !string.Equals(latest.CommitId, pr.HeadSha, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var reasons = eligibility.CannotApprove(latest.User);
            if (reasons.Count == 0)
            {
                counting.Add(latest.User);
            }
            else
            {
                notCounting.Add(new ResultDetail(latest.User.Login, false, $"approved the current head, but does not count for code owners or rules: {string.Join("; ", reasons)}"));
            }
        }

        return counting;
    }

    /// <summary>Adds <paramref name="path"/> to the group of the line that owns it, if that line has owners.</summary>
    private static void Own(CodeOwnersFile file, Dictionary<CodeOwnersLine, List<string>> groups, string path)
    {
        if (file.Find(path) is { Owners.Length: > 0 } line)
        {
            if (!groups.TryGetValue(line, out var owned))
            {
                groups[line] = owned = [];
            }

            if (owned.Count == 0 || owned[^1] != path)
            {
                owned.Add(path);
            }
        }
    }

    private static bool IsOwner(PullRequestSnapshot pr, CodeOwner owner, GitHubUser user) => owner.Kind switch
    {
        CodeOwnerKind.User => string.Equals(owner.Name, user.Login, StringComparison.OrdinalIgnoreCase),
        CodeOwnerKind.Team => pr.TeamMembers.TryGetValue(owner.Name, out var members) && members.Contains(user.Login),
        _ => false,
    };

    private static IEnumerable<string> OwnerNotes(PullRequestSnapshot pr, ImmutableArray<CodeOwner> owners)
    {
        var unknown = owners.Where(o => o.Kind == CodeOwnerKind.Team && !pr.TeamMembers.ContainsKey(o.Name)).Select(o => o.ToString()).ToList();
        if (unknown.Count > 0)
        {
            yield return $"the members of {SeparationOfDutiesControl.AndList(unknown)} were not loaded, so no approval counts for {(unknown.Count == 1 ? "it" : "them")}";
        }

        var emails = owners.Where(o => o.Kind == CodeOwnerKind.Email).Select(o => o.Name).ToList();
        if (emails.Count > 0)
        {
            yield return $"FinGuard cannot tell which account {SeparationOfDutiesControl.AndList(emails)} {(emails.Count == 1 ? "is" : "are")}; write owners as @login or @org/team";
        }
    }

    private static IEnumerable<string> PathsOf(ChangedFileFact file) =>
        file.PreviousPath is { } previous && previous != file.Path ? [file.Path, previous] : [file.Path];

    private static Regex Compiled(string pattern)
    {
        if (Patterns.Count > 1000)
        {
            Patterns.Clear();
        }

        return Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant, ApprovalRule.MatchTimeout));
    }

    private static string FileList(List<string> files) =>
        files.Count <= ListedFiles ? string.Join(", ", files) : $"{string.Join(", ", files.Take(ListedFiles))} and {files.Count - ListedFiles} more";

    private static string Count(int count, string noun) => $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private ControlResult Result(
        ControlStatus status, string summary, ImmutableArray<ResultDetail> details = default, string? howToFix = null, ImmutableArray<ResultAnnotation> annotations = default) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details.IsDefault ? [] : details,
        HowToFix = howToFix,
        Annotations = annotations.IsDefault ? [] : annotations,
    };
}

using System.Globalization;
using System.Net;
using System.Text;
using FinGuard.Core.Evidence;

namespace FinGuard.Evidence;

/// <summary>A row's evidence: the record's id, position and the SHA-256 of its stored bytes (what <c>evidence verify</c> checks).</summary>
public sealed record PopulationRecordRef(string EventId, string Chain, long Sequence, string Sha256);

/// <summary>One change that reached a covered branch (a merge, or a push no merge accounts for).</summary>
public sealed record PopulationChange(
    DateTimeOffset Timestamp, string Repository, string Branch, string Sha, string Kind, int? PullRequest, string? MergedBy,
    IReadOnlyList<string> Approvers, string Justification, EvidenceLink? Decision, string? Exception, PopulationRecordRef Record);

/// <summary>One deployment: FinGuard's decision, or a deployment that reached a covered environment without it.</summary>
public sealed record PopulationDeployment(
    DateTimeOffset Timestamp, string Repository, string Environment, long? DeploymentId, string Sha, string? Ref, string State, string DecidedBy,
    string? Actor, PopulationRecordRef Record);

/// <summary>One exception record.</summary>
public sealed record PopulationExceptionRow(
    DateTimeOffset Timestamp, string Repository, string Type, string? Actor, string Subject, string Sha, string Reason, PopulationRecordRef Record);

/// <summary>
/// The audit population of a period, built only from evidence records read with their bytes (each row names the record's
/// SHA-256, which <c>evidence verify</c> checks against the chain). A chain that does not verify is reported, and its
/// rows are still listed so the auditor sees what the damaged evidence claims, marked as unverified in the summary.
/// </summary>
public sealed class AuditPopulation
{
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public required string Scope { get; init; }

    public List<PopulationChange> Changes { get; } = [];

    public List<PopulationDeployment> Deployments { get; } = [];

    public List<PopulationExceptionRow> Exceptions { get; } = [];

    /// <summary>Per chain: null when intact, else the verification failures.</summary>
    public SortedDictionary<string, IReadOnlyList<string>> Verification { get; } = new(StringComparer.Ordinal);

    /// <summary>What could not be reconciled, one sentence each.</summary>
    public List<string> Unreconciled { get; } = [];

    /// <summary>Adds one chain's records (exact stored bytes) and its verification.</summary>
    public void AddChain(string chain, IReadOnlyList<StoredEvidence> objects, IReadOnlyList<string> failures)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(failures);
        Verification[chain] = failures;
        var merges = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pushes = new List<(EvidenceRecord Record, PopulationRecordRef Ref)>();
        var mergeRecords = new List<(EvidenceRecord Record, PopulationRecordRef Ref)>();
        var pushedHeads = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stored in objects)
        {
            EvidenceRecord record;
            try
            {
                record = EvidenceSerializer.FromBytes(stored.Bytes);
            }
            catch (System.Text.Json.JsonException)
            {
                continue; // named by the verification
            }

            if (record.Change is { Kind: "push" } pushed)
            {
                pushedHeads.Add(pushed.After); // whatever its time: a merge's push may fall just outside the period
            }

            if (record.Timestamp < From || record.Timestamp >= To)
            {
                continue;
            }

            var reference = new PopulationRecordRef(record.EventId, record.Chain, record.Sequence, CanonicalJson.Sha256Hex(stored.Bytes));
            if (record.Exception is { } exception)
            {
                Exceptions.Add(new PopulationExceptionRow(record.Timestamp, record.Subject.Repository, exception.Type, record.Actor.Login, record.Subject.Id, record.Subject.HeadSha, exception.Reason, reference));
            }

            if (record.Change is { Kind: "merge" } merge)
            {
                merges.Add(merge.After);
                mergeRecords.Add((record, reference));
                Changes.Add(ChangeRow(record, merge, reference));
            }
            else if (record.Change is { Kind: "push" })
            {
                pushes.Add((record, reference));
            }
            else if (record.Deployment is { } deployment)
            {
                Deployments.Add(new PopulationDeployment(record.Timestamp, record.Subject.Repository, deployment.Environment, deployment.DeploymentId, record.Subject.HeadSha,
                    deployment.Ref, deployment.State, "finguard", record.Actor.Login, reference));
            }
            else if (record.Exception is { Type: EvidenceExceptionRecord.DeploymentOutsideFinGuard })
            {
                var environment = record.Subject.Id.Split('@').LastOrDefault()?.Split('#')[0] ?? "";
                long? id = long.TryParse(record.Subject.Id.Split('#').LastOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                Deployments.Add(new PopulationDeployment(record.Timestamp, record.Subject.Repository, environment, id, record.Subject.HeadSha, null, "success", "outside-finguard", record.Actor.Login, reference));
            }
        }

        foreach (var (record, reference) in pushes)
        {
            var change = record.Change!;
            if (change.Justification == "pull_request_merge" && merges.Contains(change.After))
            {
                continue; // the merge's own row accounts for it
            }

            if (change.Justification == "pull_request_merge")
            {
                Unreconciled.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{record.Subject.Repository}: push of {change.After[..7]} to {change.Branch} is attributed by GitHub to pull request #{change.PullRequest}, but no merge of that pull request was recorded in the period (record {record.Chain}#{record.Sequence}); its approval is not shown here."));
            }

            Changes.Add(ChangeRow(record, change, reference));
        }

        foreach (var (record, _) in mergeRecords.Where(m => !pushedHeads.Contains(m.Record.Change!.After)))
        {
            Unreconciled.Add(string.Create(CultureInfo.InvariantCulture,
                $"{record.Subject.Repository}: the merge of pull request #{record.Change!.PullRequest} into {record.Change.Branch} ({record.Change.After[..7]}) was recorded, but no push of that commit to the branch was (record {record.Chain}#{record.Sequence})."));
        }

        if (failures.Count > 0)
        {
            Unreconciled.Add($"{chain}: the evidence chain does not verify ({failures.Count} problem(s), the first: {failures[0]}); its rows are what the damaged store holds.");
        }
    }

    private static PopulationChange ChangeRow(EvidenceRecord record, EvidenceChange change, PopulationRecordRef reference) => new(
        record.Timestamp, record.Subject.Repository, change.Branch, change.After, change.Kind, change.PullRequest, change.MergedBy?.Login, change.Approvers,
        change.Justification, record.Links?.FirstOrDefault(l => l.Type is EvidenceLink.PullRequestDecision or EvidenceLink.MergeGroupDecision),
        record.Exception?.Type, reference);

    /// <summary>Writes changes.csv, deployments.csv, exceptions.csv and report.html to <paramref name="folder"/>.</summary>
    public async Task WriteAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var culture = CultureInfo.InvariantCulture;
        await File.WriteAllTextAsync(Path.Combine(folder, "changes.csv"), Csv(
            ["timestamp", "repository", "branch", "sha", "kind", "pull_request", "merged_by", "approvers", "justification", "decision_chain", "decision_sequence", "decision_sha256", "exception", "record_id", "record_chain", "record_sequence", "record_sha256"],
            Changes.OrderBy(c => c.Timestamp).Select(c => (IReadOnlyList<string?>)[
                Time(c.Timestamp), c.Repository, c.Branch, c.Sha, c.Kind, c.PullRequest?.ToString(culture), c.MergedBy, string.Join(';', c.Approvers), c.Justification,
                c.Decision?.Chain, c.Decision?.Sequence.ToString(culture), c.Decision?.Sha256, c.Exception, .. Ref(c.Record)])), Encoding.UTF8, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "deployments.csv"), Csv(
            ["timestamp", "repository", "environment", "deployment_id", "sha", "ref", "state", "decided_by", "actor", "record_id", "record_chain", "record_sequence", "record_sha256"],
            Deployments.OrderBy(d => d.Timestamp).Select(d => (IReadOnlyList<string?>)[
                Time(d.Timestamp), d.Repository, d.Environment, d.DeploymentId?.ToString(culture), d.Sha, d.Ref, d.State, d.DecidedBy, d.Actor, .. Ref(d.Record)])), Encoding.UTF8, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "exceptions.csv"), Csv(
            ["timestamp", "repository", "type", "actor", "subject", "sha", "reason", "record_id", "record_chain", "record_sequence", "record_sha256"],
            Exceptions.OrderBy(e => e.Timestamp).Select(e => (IReadOnlyList<string?>)[
                Time(e.Timestamp), e.Repository, e.Type, e.Actor, e.Subject, e.Sha, e.Reason, .. Ref(e.Record)])), Encoding.UTF8, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), Html(), Encoding.UTF8, cancellationToken);
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string?[] Ref(PopulationRecordRef r) => [r.EventId, r.Chain, r.Sequence.ToString(CultureInfo.InvariantCulture), r.Sha256];

    /// <summary>RFC 4180: every field quoted, quotes doubled; a field starting with = + - @ is prefixed with ' so a spreadsheet does not run it.</summary>
    private static string Csv(string[] header, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', row.Select(Field)).Append("\r\n");
        }

        return text.ToString();

        static string Field(string? value)
        {
            value ??= "";
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
            {
                value = "'" + value;
            }

            return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
    }

    private static string Month(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private string Html()
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FinGuard audit population</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;font-size:14px}")
            .Append("th{background:#f6f8fa}.num{text-align:right}.bad{color:#cf222e;font-weight:600}.ok{color:#1a7f37;font-weight:600}code{font-size:12px;word-break:break-all}")
            .Append("</style></head><body>");
        html.Append("<h1>FinGuard audit population</h1>")
            .Append(c, $"<p>Scope: <b>{E(Scope)}</b>. Period: {E(Time(From))} to {E(Time(To))} (end exclusive).</p>")
            .Append(c, $"<p>{Changes.Count} change(s) to covered branches, {Deployments.Count} deployment(s), {Exceptions.Count} exception(s). ")
            .Append("Every row of changes.csv, deployments.csv and exceptions.csv names its evidence record (id, chain, sequence, SHA-256); ")
            .Append("<code>finguard evidence verify</code> checks those hashes and the chain they belong to.</p>");

        html.Append("<h2 id=\"verification\">Evidence verification</h2><table><tr><th>Repository</th><th>Chain</th></tr>");
        foreach (var (chain, failures) in Verification)
        {
            html.Append(c, $"<tr><td>{E(chain)}</td>")
                .Append(failures.Count == 0 ? "<td class=\"ok\">INTACT</td></tr>" : $"<td class=\"bad\">NOT INTACT: {E(string.Join("; ", failures.Take(5)))}</td></tr>");
        }

        html.Append("</table>");

        html.Append("<h2 id=\"totals\">Totals per repository and month</h2><table><tr><th>Repository</th><th>Month</th><th>Changes</th><th>of which exceptions</th><th>Deployments</th><th>Exceptions (all)</th></tr>");
        var keys = Changes.Select(x => (x.Repository.ToLowerInvariant(), Month(x.Timestamp)))
            .Concat(Deployments.Select(x => (x.Repository.ToLowerInvariant(), Month(x.Timestamp))))
            .Concat(Exceptions.Select(x => (x.Repository.ToLowerInvariant(), Month(x.Timestamp))))
            .Distinct().Order();
        foreach (var (repository, month) in keys)
        {
            bool Match(string r, DateTimeOffset t) => string.Equals(r, repository, StringComparison.OrdinalIgnoreCase) && Month(t) == month;
            var changes = Changes.Count(x => Match(x.Repository, x.Timestamp));
            var excepted = Changes.Count(x => Match(x.Repository, x.Timestamp) && x.Exception is not null);
            html.Append(c, $"<tr><td>{E(repository)}</td><td>{month}</td><td class=\"num\">{changes}</td><td class=\"num\">{excepted}</td>")
                .Append(c, $"<td class=\"num\">{Deployments.Count(x => Match(x.Repository, x.Timestamp))}</td><td class=\"num\">{Exceptions.Count(x => Match(x.Repository, x.Timestamp))}</td></tr>");
        }

        html.Append("</table>");
        html.Append("<h2 id=\"chart\">Exceptions over time</h2>").Append(Chart());

        html.Append("<h2 id=\"exceptions\">Exceptions</h2><table><tr><th>Time (UTC)</th><th>Repository</th><th>Type</th><th>Actor</th><th>Commit</th><th>Reason</th><th>Record</th></tr>");
        foreach (var x in Exceptions.OrderBy(x => x.Timestamp).Take(500))
        {
            html.Append(c, $"<tr><td>{E(Time(x.Timestamp))}</td><td>{E(x.Repository)}</td><td class=\"bad\">{E(x.Type)}</td><td>{E(x.Actor)}</td><td><code>{E(x.Sha[..Math.Min(7, x.Sha.Length)])}</code></td><td>{E(x.Reason)}</td>")
                .Append(c, $"<td><code>{E(x.Record.Chain)}#{x.Record.Sequence}</code><br><code>{E(x.Record.Sha256)}</code></td></tr>");
        }

        html.Append("</table>");
        if (Exceptions.Count > 500)
        {
            html.Append(c, $"<p>{Exceptions.Count - 500} more in exceptions.csv.</p>");
        }

        html.Append("<h2 id=\"completeness\">Completeness</h2><p>FinGuard knows only what GitHub delivered to it. A change GitHub never delivered ")
            .Append("(a webhook that failed and was not recovered by the redelivery sweep, a repository where FinGuard was not installed at the time) is not in this population. ")
            .Append("Compare the population with the branch history (<code>--reconcile-from-github</code>) or GitHub's audit log for the period.</p>");
        if (Unreconciled.Count == 0)
        {
            html.Append("<p class=\"ok\">Within the evidence, everything reconciles: every merge has its push, every push attributed to a pull request has its merge, and every chain verifies.</p>");
        }
        else
        {
            html.Append("<p class=\"bad\">Not reconciled:</p><ul>");
            foreach (var line in Unreconciled)
            {
                html.Append("<li>").Append(E(line)).Append("</li>");
            }

            html.Append("</ul>");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Exceptions per month as inline SVG bars, stacked by type; no script, no external asset.</summary>
    private string Chart()
    {
        var c = CultureInfo.InvariantCulture;
        var months = new List<string>();
        for (var m = new DateTime(From.UtcDateTime.Year, From.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc); m < To.UtcDateTime; m = m.AddMonths(1))
        {
            months.Add(m.ToString("yyyy-MM", c));
            if (months.Count > 120)
            {
                break;
            }
        }

        var types = Exceptions.Select(x => x.Type).Distinct().Order(StringComparer.Ordinal).ToList();
        string[] colours = ["#cf222e", "#bc4c00", "#8250df", "#0969da", "#1a7f37", "#6e7781"];
        var counts = months.ToDictionary(m => m, m => types.ToDictionary(t => t, t => Exceptions.Count(x => x.Type == t && Month(x.Timestamp) == m)));
        var max = Math.Max(1, counts.Values.Select(v => v.Values.Sum()).DefaultIfEmpty(0).Max());
        const int top = 20, height = 220, bar = 40, gap = 20, left = 40, legend = 280;
        var width = left + (months.Count * (bar + gap)) + legend;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + 60}\" role=\"img\" aria-label=\"Exceptions per month\">");
        svg.Append(c, $"<line x1=\"{left}\" y1=\"{height}\" x2=\"{width - legend}\" y2=\"{height}\" stroke=\"#1f2328\"/>");
        svg.Append(c, $"<text x=\"{left - 6}\" y=\"{top + 4}\" text-anchor=\"end\" font-size=\"12\">{max}</text><text x=\"{left - 6}\" y=\"{height}\" text-anchor=\"end\" font-size=\"12\">0</text>");
        for (var i = 0; i < months.Count; i++)
        {
            var x = left + gap / 2 + (i * (bar + gap));
            var y = (double)height;
            foreach (var (type, index) in types.Select((t, n) => (t, n)))
            {
                var n = counts[months[i]][type];
                if (n == 0)
                {
                    continue;
                }

                var h = (double)n / max * (height - top);
                y -= h;
                svg.Append(c, $"<rect x=\"{x}\" y=\"{y:F1}\" width=\"{bar}\" height=\"{h:F1}\" fill=\"{colours[index % colours.Length]}\"><title>{months[i]}: {n} {WebUtility.HtmlEncode(type)}</title></rect>");
            }

            var total = counts[months[i]].Values.Sum();
            svg.Append(c, $"<text x=\"{x + (bar / 2)}\" y=\"{y - 4:F1}\" text-anchor=\"middle\" font-size=\"12\">{total}</text>");
            svg.Append(c, $"<text x=\"{x + (bar / 2)}\" y=\"{height + 16}\" text-anchor=\"middle\" font-size=\"11\">{months[i]}</text>");
        }

        for (var t = 0; t < types.Count; t++)
        {
            var lx = width - legend + 20;
            svg.Append(c, $"<rect x=\"{lx}\" y=\"{10 + (t * 18)}\" width=\"12\" height=\"12\" fill=\"{colours[t % colours.Length]}\"/><text x=\"{lx + 18}\" y=\"{21 + (t * 18)}\" font-size=\"12\">{WebUtility.HtmlEncode(types[t])}</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}

using System.Globalization;
using System.Text;
using FinGuard.Core.Deployments;
using FinGuard.Core.Evidence;
using FinGuard.Core.Freeze;
using FinGuard.Core.Results;

namespace FinGuard.GitHub.Deployments;

/// <summary>
/// What approvers and deployers read on the workflow run: the decision comment FinGuard sends with
/// <c>approved</c>/<c>rejected</c>, rendered from the decision's evidence record (so a retried answer says exactly
/// what was recorded), and the short progress comments it sends while waiting.
/// </summary>
public static class DeploymentCommentRenderer
{
    /// <summary>Longest decision comment FinGuard sends; longer ones are cut, saying so (the evidence has everything).</summary>
    public const int MaxDecisionCommentLength = 16_000;

    private static readonly Dictionary<string, string> ControlNames = new(StringComparer.Ordinal)
    {
        [ChainOfCustodyControl.ControlId] = "Chain of custody",
        [DeploymentSeparationOfDutiesControl.ControlId] = "Deployment separation of duties",
        [AllowedRefsControl.ControlId] = "Allowed source refs",
        [Core.Scans.ScanStatusControl.ControlId] = "Security scans",
        [FreezeWindowControl.ControlId] = "Freeze window",
        [Evaluation.PullRequestEvaluator.PolicyControlId] = "Policy file",
    };

    /// <summary>
    /// The decision comment: verdict, one line per control, why each control that did not pass did not (and how to fix
    /// it, when <paramref name="howToFix"/> says), the rollback flag, and where the evidence is.
    /// </summary>
    /// <param name="record">The decision record, as stored.</param>
    /// <param name="blobName">The record's object name.</param>
    /// <param name="howToFix">Control id → how to fix, from the evaluation (not part of the record); null when unknown.</param>
    public static string RenderDecision(EvidenceRecord record, string blobName, IReadOnlyDictionary<string, string>? howToFix = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(blobName);
        var approved = record.Deployment?.State == DeploymentProtectionRuleClient.Approved;
        var text = new StringBuilder();
        var exceptions = record.Result.Controls.Where(c => c.Exception is not null).ToList();
        text.Append("## ").Append(approved ? "✅ FinGuard approved this deployment" : "❌ FinGuard rejected this deployment");
        if (exceptions.Count > 0)
        {
            text.Append(" — 🚨 BREAK-GLASS");
        }

        text.AppendLine();
        text.AppendLine(record.Result.Title);
        foreach (var exception in exceptions.Select(c => c.Exception!))
        {
            text.AppendLine().Append("🚨 **BREAK-GLASS**: ").Append(string.Join(", ", exception.Bypassed)).Append(" bypassed; asked for by ")
                .Append(exception.InvokedBy.Login).Append(", approved by ").Append(exception.ApprovedBy.Login).Append(" (").Append(exception.ApprovedVia)
                .Append(") with `").Append(exception.Label).Append("`. This decision is recorded as an exception.").AppendLine();
        }

        text.AppendLine();
        text.AppendLine("| Control | Result |");
        text.AppendLine("|---|---|");
        foreach (var control in record.Result.Controls)
        {
            text.Append("| ").Append(Badge(control.Status)).Append(' ').Append(Cell(NameOf(control.Id))).Append(" | ").Append(Cell(control.Summary)).AppendLine(" |");
        }

        foreach (var control in record.Result.Controls.Where(c => c.Status is not ("pass" or "skipped")))
        {
            text.AppendLine();
            text.Append("### ").Append(Badge(control.Status)).Append(' ').AppendLine(NameOf(control.Id));
            foreach (var reason in control.Reasons)
            {
                text.Append("- ").AppendLine(reason.ReplaceLineEndings(" "));
            }

            if (howToFix is not null && howToFix.TryGetValue(control.Id, out var fix))
            {
                text.AppendLine().Append("**How to fix:** ").AppendLine(fix.ReplaceLineEndings(" "));
            }
        }

        if (record.Deployment is { Rollback: true, PreviousSha: { } previous })
        {
            text.AppendLine().Append("↩️ **Rollback**: `").Append(Short(record.Subject.HeadSha)).Append("` is older than the last approved deployment to ")
                .Append(record.Deployment.Environment).Append(", `").Append(Short(previous)).AppendLine("`; it was checked like any deployment.");
        }

        text.AppendLine();
        text.Append("Evidence: `").Append(blobName).Append("` (record ").Append(record.Sequence.ToString(CultureInfo.InvariantCulture)).Append(" of `").Append(record.Chain).Append("`)");
        var pullRequests = (record.Links ?? []).Where(l => l.Type == EvidenceLink.PullRequestDecision).ToList();
        if (pullRequests.Count > 0)
        {
            text.Append("; pull request decisions: ").Append(string.Join(", ", pullRequests.Select(l => $"`{l.Chain}#{l.Sequence.ToString(CultureInfo.InvariantCulture)}`")));
        }

        text.AppendLine(".");
        return Truncate(text.ToString(), MaxDecisionCommentLength, "\n\n… (cut; the evidence record has every detail)");
    }

    /// <summary>A progress comment (at most <see cref="DeploymentProtectionRuleClient.MaxProgressCommentLength"/> characters): what FinGuard waits for.</summary>
    public static string RenderProgress(EvaluationResult result, string environment)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.Append("⏳ FinGuard is waiting before deploying to ").Append(environment).Append(": ");
        var pending = result.Controls.Where(c => c.Status == ControlStatus.Pending).ToList();
        text.Append(string.Join(" ", pending.Select(c => c.Summary)));
        var fix = pending.Select(c => c.HowToFix).OfType<string>().FirstOrDefault();
        if (fix is not null)
        {
            text.Append(' ').Append(fix.ReplaceLineEndings(" "));
        }

        var passing = result.Controls.Count(c => c.Status == ControlStatus.Pass);
        text.Append(" (").Append(passing.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(result.Controls.Count(c => c.Status != ControlStatus.Skipped).ToString(CultureInfo.InvariantCulture)).Append(" controls passing.)");
        return Truncate(text.ToString(), DeploymentProtectionRuleClient.MaxProgressCommentLength, "…");
    }

    private static string NameOf(string id) => ControlNames.TryGetValue(id, out var name) ? name : id;

    private static string Badge(string status) => status switch
    {
        "pass" => "✅",
        "fail" => "❌",
        "pending" => "⏳",
        "error" => "⚠️",
        _ => "➖",
    };

    private static string Cell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private static string Truncate(string text, int max, string marker) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - marker.Length), marker);
}

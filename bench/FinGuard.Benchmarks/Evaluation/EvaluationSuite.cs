using BenchmarkDotNet.Running;
using FinGuard.Benchmarks.Reporting;

namespace FinGuard.Benchmarks.Evaluation;

/// <summary>Runs <see cref="EvaluationBenchmarks"/> and prints the targets and the allocation growth per review.</summary>
public static class EvaluationSuite
{
    public const double TargetMs = 1.0;
    public const int TargetReviews = 50;

    public static void Run(BenchmarkRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine("## Evaluation (BenchmarkDotNet, 250 commits)");
        Console.WriteLine();
        var sample = EvaluationFacts.Create(250, TargetReviews);
        Console.WriteLine($"facts at {TargetReviews} reviews: {sample.Json.Count} GitHub responses, {sample.JsonBytes:N0} bytes of JSON (pull request, 3 commit pages, 1 review page) + the policy file");
        Console.WriteLine();
        var summary = BenchmarkRunner.Run<EvaluationBenchmarks>(BenchmarkDotNetConfig.Create(options.Quick));

        var cases = summary.BenchmarksCases
            .Select(c => new
            {
                Method = c.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                Baseline = c.Descriptor.Baseline,
                Reviews = (int)c.Parameters["Reviews"],
                MeanNs = BenchmarkDotNetConfig.MeanNanoseconds(summary, c),
                Bytes = BenchmarkDotNetConfig.AllocatedBytes(summary, c),
            })
            .ToList();
        if (cases.Any(c => double.IsNaN(c.MeanNs)))
        {
            Console.WriteLine("Some evaluation benchmarks produced no result; see the BenchmarkDotNet log above.");
        }

        Console.WriteLine();
        Console.WriteLine($"### Evaluation against targets ({TargetReviews} reviews)");
        Console.WriteLine();
        var baseline = cases.Single(c => c.Baseline && c.Reviews == TargetReviews);
        var targets = new ConsoleTable("benchmark", "mean", "allocated", "ratio to JsonDocument.Parse", "target", "verdict");
        foreach (var c in cases.Where(c => c.Reviews == TargetReviews))
        {
            targets.Add(c.Method, ConsoleTable.Milliseconds(c.MeanNs / 1e6), $"{c.Bytes / 1024:N1} KiB", ConsoleTable.Ratio(c.MeanNs / baseline.MeanNs),
                c.Baseline ? "" : $"< {TargetMs:0} ms", c.Baseline ? "" : ConsoleTable.Verdict(c.MeanNs / 1e6 < TargetMs));
        }

        targets.Write();
        RunPathApprovals(options);

        Console.WriteLine("### Allocation growth per review (250 commits)");
        Console.WriteLine();
        Console.WriteLine("bytes/review = allocated / reviews; marginal = extra bytes per extra review since the previous row; linear fit over all rows.");
        Console.WriteLine();
        var growth = new ConsoleTable("benchmark", "reviews", "allocated", "bytes/review", "marginal bytes/review", "time ratio to baseline");
        foreach (var method in cases.GroupBy(c => c.Method))
        {
            var rows = method.OrderBy(c => c.Reviews).ToList();
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                var marginal = i == 0 ? double.NaN : (row.Bytes - rows[i - 1].Bytes) / (row.Reviews - rows[i - 1].Reviews);
                var baselineMean = cases.Single(c => c.Baseline && c.Reviews == row.Reviews).MeanNs;
                growth.Add(method.Key, row.Reviews, $"{row.Bytes:N0} B", $"{row.Bytes / row.Reviews:N0}", double.IsNaN(marginal) ? "" : $"{marginal:N0}",
                    ConsoleTable.Ratio(row.MeanNs / baselineMean));
            }

            var (slope, intercept, r2) = LinearFit(rows.Select(r => (double)r.Reviews).ToArray(), rows.Select(r => r.Bytes).ToArray());
            growth.Add(method.Key, "fit", $"{intercept:N0} B + {slope:N0} B × reviews", "", $"R² = {r2:0.0000}", "");
        }

        growth.Write();
    }

    /// <summary>Code owners and approval rules at GitHub's limits, against the 250-commit evaluation in the same run.</summary>
    private static void RunPathApprovals(BenchmarkRunOptions options)
    {
        Console.WriteLine($"### Code owners and approval rules ({PathApprovalsFacts.Files:N0} files, {PathApprovalsFacts.Rules} rules, {PathApprovalsFacts.CodeOwnersLines}-line CODEOWNERS; 250 commits, {PathApprovalsBenchmarks.Reviews} reviews)");
        Console.WriteLine();
        var summary = BenchmarkRunner.Run<PathApprovalsBenchmarks>(BenchmarkDotNetConfig.Create(options.Quick));
        var cases = summary.BenchmarksCases
            .Select(c => (Method: c.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), c.Descriptor.Baseline, MeanNs: BenchmarkDotNetConfig.MeanNanoseconds(summary, c), Bytes: BenchmarkDotNetConfig.AllocatedBytes(summary, c)))
            .ToList();
        var baseline = cases.Single(c => c.Baseline);
        var table = new ConsoleTable("benchmark", "mean", "allocated", "ratio to the 250-commit evaluation", "target", "verdict");
        foreach (var c in cases)
        {
            var targeted = c.Method.StartsWith("PolicyEvaluator.Evaluate +", StringComparison.Ordinal);
            table.Add(c.Method, ConsoleTable.Milliseconds(c.MeanNs / 1e6), $"{c.Bytes / 1024:N1} KiB", ConsoleTable.Ratio(c.MeanNs / baseline.MeanNs),
                targeted ? $"< {PathApprovalsTargetMs:0} ms" : "", targeted ? ConsoleTable.Verdict(c.MeanNs / 1e6 < PathApprovalsTargetMs) : "");
        }

        table.Write();
    }

    /// <summary>Target for the evaluation with code owners and rules at GitHub's limits.</summary>
    public const double PathApprovalsTargetMs = 5.0;

    /// <summary>Least squares y = slope·x + intercept, with the coefficient of determination.</summary>
    internal static (double Slope, double Intercept, double RSquared) LinearFit(double[] x, double[] y)
    {
        var n = x.Length;
        var meanX = x.Average();
        var meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
            syy += (y[i] - meanY) * (y[i] - meanY);
        }

        var slope = sxx == 0 ? 0 : sxy / sxx;
        var r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return (slope, meanY - slope * meanX, r2);
    }
}

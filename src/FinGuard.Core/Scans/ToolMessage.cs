namespace FinGuard.Core.Scans;

/// <summary>
/// Something a scanner said about its own run rather than about the code: a parse failure, a timeout, a rule it
/// could not load, an unsuccessful execution.
/// </summary>
/// <param name="Tool">The tool that said it.</param>
/// <param name="Message">What it said, as written (with the error type prefixed where the format has one).</param>
public sealed record ToolMessage(string Tool, string Message)
{
    public override string ToString() => $"{Tool}: {Message}";
}

namespace FinGuard.Setup;

/// <summary>
/// What GitHub returns when it converts a manifest code into an App: its identity and its secrets.
/// <see cref="ToString"/> never shows the secrets.
/// </summary>
public sealed record AppCredentials(
    string AppId,
    string Slug,
    string? Name,
    string? HtmlUrl,
    string? Owner,
    string ClientId,
    string ClientSecret,
    string PrivateKeyPem,
    string? WebhookSecret)
{
    public override string ToString() =>
        $"AppCredentials {{ AppId = {AppId}, Slug = {Slug}, Owner = {Owner ?? "(unknown)"}, ClientId = {ClientId}, ClientSecret = (redacted), PrivateKeyPem = (redacted), WebhookSecret = {(WebhookSecret is null ? "(none)" : "(redacted)")} }}";
}

/// <summary>A setup step failed; the message is safe to show (it never contains a secret).</summary>
public sealed class SetupException : Exception
{
    public SetupException()
    {
    }

    public SetupException(string message)
        : base(message)
    {
    }

    public SetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

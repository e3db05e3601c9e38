using FinGuard.Hosting;

namespace FinGuard.Tests.Telemetry;

/// <summary>How <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> (set to <c>Authorization=AAD</c> by infra/main.bicep) is read.</summary>
public sealed class OpenTelemetrySetupTests
{
    [Theory]
    [InlineData("Authorization=AAD")]
    [InlineData("authorization=aad")]
    [InlineData("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001")]
    [InlineData(" Authorization = AAD ; ClientId = 00000000-0000-0000-0000-000000000001 ")]
    public void Entra_authentication_uses_a_token_credential(string authenticationString) =>
        Assert.NotNull(OpenTelemetrySetup.EntraCredential(authenticationString));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Authorization=Key")]
    [InlineData("ClientId=00000000-0000-0000-0000-000000000001")]
    public void Without_Entra_authentication_the_connection_string_alone_is_used(string? authenticationString) =>
        Assert.Null(OpenTelemetrySetup.EntraCredential(authenticationString));
}

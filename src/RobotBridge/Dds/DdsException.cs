namespace Robotics.RobotBridge.Dds;

/// <summary>A Cyclone DDS call that returned an error code; the message names the call and the code.</summary>
public sealed class DdsException(string operation, int code)
    : Exception($"{operation} failed: {Describe(code)} ({code})")
{
    /// <summary>The DDS return code (negative).</summary>
    public int Code { get; } = code;

    /// <summary>Throws when <paramref name="result"/> is negative; returns it otherwise (an entity handle or a count).</summary>
    public static int Check(int result, string operation) => result < 0 ? throw new DdsException(operation, result) : result;

    /// <summary>The DDS_RETCODE_* name of a return code (dds/ddsrt/retcode.h).</summary>
    public static string Describe(int code) => code switch
    {
        0 => "OK", -1 => "ERROR", -2 => "UNSUPPORTED", -3 => "BAD_PARAMETER", -4 => "PRECONDITION_NOT_MET",
        -5 => "OUT_OF_RESOURCES", -6 => "NOT_ENABLED", -7 => "IMMUTABLE_POLICY", -8 => "INCONSISTENT_POLICY",
        -9 => "ALREADY_DELETED", -10 => "TIMEOUT", -11 => "NO_DATA", -12 => "ILLEGAL_OPERATION",
        -13 => "NOT_ALLOWED_BY_SECURITY",
        _ => "unknown return code",
    };
}

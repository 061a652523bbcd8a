using System.Globalization;
using System.Xml.Linq;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Terrain;

/// <summary>
/// A <see cref="HeightField"/> as MuJoCo terrain: an <c>&lt;hfield&gt;</c> asset of the map's samples and a geom of type
/// hfield placed so that its surface is the map's, then the elevation written into the compiled model's
/// <c>hfield_data</c>. MuJoCo's hfield spans [−size_x, size_x] × [−size_y, size_y] about the geom with vertex (r, c)
/// at row r along y and column c along x (the map's storage order) and the height data·size_z above the geom, with data
/// in [0, 1]: the map's heights are normalized over their range and the geom sits at the lowest one.
/// </summary>
public static class TerrainScene
{
    /// <summary>Name of the hfield asset and of its geom.</summary>
    public const string Name = "terrain";

    /// <summary>Thickness of the solid under the lowest point of the hfield [m] (MuJoCo's size_bottom; must be positive).</summary>
    public const double BaseThickness = 1.0;

    // MuJoCo needs a positive elevation range; a map that is flat everywhere gets this one.
    private const double MinimumRange = 1e-3;

    private static (double Low, double Range) Elevation(HeightField map)
    {
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (var h in map.Heights) { low = Math.Min(low, h); high = Math.Max(high, h); }
        return (low, Math.Max(high - low, MinimumRange));
    }

    /// <summary>The <c>&lt;hfield&gt;</c> asset for <paramref name="map"/> (its data all zero until <see cref="Upload"/>).</summary>
    public static XElement Asset(HeightField map)
    {
        var (_, range) = Elevation(map);
        return new XElement("hfield", new XAttribute("name", Name),
            new XAttribute("nrow", map.CountY), new XAttribute("ncol", map.CountX),
            new XAttribute("size", $"{F(HalfX(map))} {F(HalfY(map))} {F(range)} {F(BaseThickness)}"));
    }

    /// <summary>The geom of the terrain: at the centre of the map, at the height of its lowest point.</summary>
    public static XElement Geom(HeightField map)
    {
        var (low, _) = Elevation(map);
        return new XElement("geom", new XAttribute("name", Name), new XAttribute("type", "hfield"), new XAttribute("hfield", Name),
            new XAttribute("pos", $"{F(map.OriginX + HalfX(map))} {F(map.OriginY + HalfY(map))} {F(low)}"));
    }

    /// <summary>Adds <see cref="Asset"/> and <see cref="Geom"/> to an MJCF scene (creating its asset and worldbody sections when absent).</summary>
    public static void AddTo(XDocument scene, HeightField map)
    {
        var root = scene.Root ?? throw new ArgumentException("the scene has no root element", nameof(scene));
        Section(root, "asset").Add(Asset(map));
        Section(root, "worldbody").Add(Geom(map));
    }

    /// <summary>
    /// Writes <paramref name="map"/>'s elevation into <paramref name="model"/>'s hfield <see cref="Name"/>. Call it
    /// before cloning the model per environment (a clone copies the data); a renderer needs it uploaded again.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no such hfield, or one of another shape.</exception>
    public static void Upload(MjModel model, HeightField map)
    {
        int id = model.TryId(mjtObj.mjOBJ_HFIELD, Name);
        if (id < 0) throw new ArgumentException($"{model.Source} has no hfield '{Name}'", nameof(model));
        int nrow = model.HfieldNrow[id], ncol = model.HfieldNcol[id];
        if (nrow != map.CountY || ncol != map.CountX)
            throw new ArgumentException($"hfield '{Name}' is {nrow} × {ncol}, the map {map.CountY} × {map.CountX}", nameof(map));
        var (low, range) = Elevation(map);
        var size = model.HfieldSize.Slice(4 * id, 4);
        if (Math.Abs(size[2] - range) > 1e-9 * Math.Max(1, range))
            throw new ArgumentException($"hfield '{Name}' has elevation {size[2]} m, the map a range of {range} m: the scene was built for another map", nameof(map));
        var data = model.HfieldData.Slice(model.HfieldAdr[id], nrow * ncol);
        var heights = map.Heights;
        for (int k = 0; k < data.Length; k++) data[k] = (float)((heights[k] - low) / range);
    }

    private static double HalfX(HeightField map) => (map.CountX - 1) * map.Resolution / 2;
    private static double HalfY(HeightField map) => (map.CountY - 1) * map.Resolution / 2;

    private static XElement Section(XElement root, string name)
    {
        var section = root.Element(name);
        if (section is null) root.Add(section = new XElement(name));
        return section;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

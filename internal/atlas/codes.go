package atlas

// alpha3 maps the ISO 3166-1 numeric codes used as ids in the atlas to ISO
// 3166-1 alpha-3 codes. It covers the 32 NATO members (from
// nato_members.csv), every other country that appears in the Europe view, and
// a few more that callers are likely to name. Countries missing here still
// appear on the map, with an empty Code.
//
// Kosovo and Northern Cyprus have no id in the atlas and no ISO code, so they
// are not listed; they appear with an empty Code and Numeric.
var alpha3 = map[string]string{
	// The 32 NATO members.
	"008": "ALB", // Albania
	"056": "BEL", // Belgium
	"100": "BGR", // Bulgaria
	"124": "CAN", // Canada
	"191": "HRV", // Croatia
	"203": "CZE", // Czechia
	"208": "DNK", // Denmark
	"233": "EST", // Estonia
	"246": "FIN", // Finland
	"250": "FRA", // France
	"276": "DEU", // Germany
	"300": "GRC", // Greece
	"348": "HUN", // Hungary
	"352": "ISL", // Iceland
	"380": "ITA", // Italy
	"428": "LVA", // Latvia
	"440": "LTU", // Lithuania
	"442": "LUX", // Luxembourg
	"499": "MNE", // Montenegro
	"528": "NLD", // Netherlands
	"578": "NOR", // Norway
	"616": "POL", // Poland
	"620": "PRT", // Portugal
	"642": "ROU", // Romania
	"703": "SVK", // Slovakia
	"705": "SVN", // Slovenia
	"724": "ESP", // Spain
	"752": "SWE", // Sweden
	"792": "TUR", // Türkiye
	"807": "MKD", // North Macedonia
	"826": "GBR", // United Kingdom
	"840": "USA", // United States

	// Other European countries and territories.
	"020": "AND", // Andorra
	"040": "AUT", // Austria
	"070": "BIH", // Bosnia and Herzegovina
	"112": "BLR", // Belarus
	"196": "CYP", // Cyprus
	"234": "FRO", // Faroe Islands
	"248": "ALA", // Åland Islands
	"292": "GIB", // Gibraltar
	"304": "GRL", // Greenland
	"336": "VAT", // Holy See
	"372": "IRL", // Ireland
	"438": "LIE", // Liechtenstein
	"470": "MLT", // Malta
	"492": "MCO", // Monaco
	"498": "MDA", // Moldova
	"643": "RUS", // Russia
	"674": "SMR", // San Marino
	"688": "SRB", // Serbia
	"756": "CHE", // Switzerland
	"804": "UKR", // Ukraine
	"831": "GGY", // Guernsey
	"832": "JEY", // Jersey
	"833": "IMN", // Isle of Man

	// The Caucasus, the Middle East and North Africa, at the edges of the view.
	"012": "DZA", // Algeria
	"031": "AZE", // Azerbaijan
	"051": "ARM", // Armenia
	"268": "GEO", // Georgia
	"275": "PSE", // Palestine
	"364": "IRN", // Iran
	"368": "IRQ", // Iraq
	"376": "ISR", // Israel
	"398": "KAZ", // Kazakhstan
	"400": "JOR", // Jordan
	"422": "LBN", // Lebanon
	"434": "LBY", // Libya
	"504": "MAR", // Morocco
	"682": "SAU", // Saudi Arabia
	"760": "SYR", // Syria
	"788": "TUN", // Tunisia
	"818": "EGY", // Egypt

	// Partners outside Europe.
	"036": "AUS", // Australia (the atlas also gives "036" to Ashmore and Cartier Is.)
	"392": "JPN", // Japan
	"410": "KOR", // South Korea
	"554": "NZL", // New Zealand
}

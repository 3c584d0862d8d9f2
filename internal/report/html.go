package report

import (
	"html/template"
	"io"
)

var page = template.Must(template.New("review").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1c2733}
.marking{text-align:center;font-weight:bold;padding:.3rem;background:#e8eef4}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;font-size:.85rem}
th,td{padding:.2rem .5rem;border-bottom:1px solid #d5dde5;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}
.note{font-size:.8rem;color:#55606b}
</style></head><body>
<div class="marking">{{.Marking}}</div>
<h1>{{.Title}}</h1>
<p class="note">Made {{.Made.Format "2006-01-02 15:04 UTC"}} for {{.Reader}}. Figures are what this reader may see.</p>
{{range .Tables}}{{$t := .}}<h2>{{.Title}}</h2>{{with .Note}}<p class="note">{{.}}</p>{{end}}
<table><thead><tr>{{range $i, $h := .Head}}<th{{if index $t.Right $i}} class="num"{{end}}>{{$h}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if index $t.Right $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{else}}<tr><td colspan="{{len .Head}}">None.</td></tr>{{end}}
{{with .Total}}<tr class="total">{{range $i, $c := .}}<td{{if index $t.Right $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
<div class="marking">{{.Marking}}</div>
</body></html>
`))

// HTML writes the review as a document of its own, to keep or send.
func (rv *Review) HTML(w io.Writer) error { return page.Execute(w, rv) }

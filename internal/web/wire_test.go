package web_test

import (
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/web"
)

func init() { web.SetTestServer(cli.NewServer) }

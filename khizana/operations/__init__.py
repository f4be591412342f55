"""Operations at national scale (issue 22): health and metrics, backups that restore, load shedding,
read replicas. A surface: it looks at every layer below it and no layer imports it."""

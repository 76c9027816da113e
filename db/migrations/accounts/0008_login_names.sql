-- Login names are unique without regard to case (accounts.go,
-- models.LoginNameProblem): "Admin" is not another login beside "admin",
-- nor is a deleted login's name given again in another case.
CREATE UNIQUE INDEX users_name_nocase ON users(lower(name));
